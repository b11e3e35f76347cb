/** One stored version of one resource, as the emulator keeps it. */
import type { FhirResource } from "../src/fhir/types";
import { formatLastUpdated } from "./instant";

export type WriteMethod = "POST" | "PUT";

export class StoredVersion {
  /** Maintained by the store: true for the highest version of its resource. */
  isCurrent = false;

  constructor(
    readonly resourceType: string,
    readonly id: string,
    /** Integer version; imports may bring gaps or (with allowNegativeVersions) negatives. */
    readonly version: number,
    readonly lastUpdatedMs: number,
    readonly deleted: boolean,
    /** How the version was written (imports count as PUT); history shows DELETE for deleted versions. */
    readonly writeMethod: WriteMethod,
    /** Raw JSON text with meta.versionId and meta.lastUpdated, without the deleted-state extension. */
    readonly text: string,
    /** Server-wide insertion sequence; breaks lastUpdated ties in the surrogate-id order. */
    readonly seq: number,
  ) {}

  get versionId(): string {
    return String(this.version);
  }

  get lastUpdated(): string {
    return formatLastUpdated(this.lastUpdatedMs);
  }

  /** History `request.method`. */
  get method(): "POST" | "PUT" | "DELETE" {
    return this.deleted ? "DELETE" : this.writeMethod;
  }

  /** Parsed with JSON.parse: convenient, but decimals go through doubles. Use `text` to compare exactly. */
  get resource(): FhirResource {
    return JSON.parse(this.text) as FhirResource;
  }
}
