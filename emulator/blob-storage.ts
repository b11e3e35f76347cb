/**
 * The server's view of its configured storage account: export output, import input, error files
 * and the anonymization config container. URLs are `{blobEndpoint}/{container}/{blob}`.
 */
import { BlobServiceClient, RestError } from "@azure/storage-blob";

export class BlobStorage {
  private readonly service: BlobServiceClient;
  private readonly endpoint: URL;
  private readonly createdContainers = new Set<string>();

  constructor(connectionString: string, blobEndpoint: string) {
    this.service = BlobServiceClient.fromConnectionString(connectionString);
    this.endpoint = new URL(blobEndpoint.replace(/\/+$/, ""));
  }

  url(container: string, blob: string): string {
    return `${this.endpoint.toString().replace(/\/+$/, "")}/${container}/${blob}`;
  }

  /** Scheme and host equal to the account's (the port is ignored), as the import controller checks. */
  sameAccount(url: URL): boolean {
    return url.protocol === this.endpoint.protocol && url.hostname === this.endpoint.hostname;
  }

  /** Container and blob name of a URL in this account; undefined when the path is outside it. */
  locate(url: URL): { container: string; blob: string } | undefined {
    const prefix = this.endpoint.pathname.replace(/\/+$/, "");
    if (!url.pathname.startsWith(`${prefix}/`)) return undefined;
    const rest = decodeURIComponent(url.pathname.slice(prefix.length + 1));
    const slash = rest.indexOf("/");
    if (slash <= 0 || slash === rest.length - 1) return undefined;
    return { container: rest.slice(0, slash), blob: rest.slice(slash + 1) };
  }

  async write(container: string, blob: string, content: string): Promise<string> {
    const containerClient = this.service.getContainerClient(container);
    if (!this.createdContainers.has(container)) {
      // The export destination client calls CreateIfNotExists on its container.
      await containerClient.createIfNotExists();
      this.createdContainers.add(container);
    }
    const body = Buffer.from(content, "utf8");
    await containerClient.getBlockBlobClient(blob).upload(body, body.length, {
      blobHTTPHeaders: { blobContentType: "application/fhir+ndjson" },
    });
    return this.url(container, blob);
  }

  /** The blob's text, or undefined when the container or blob does not exist. */
  async read(container: string, blob: string): Promise<string | undefined> {
    return (await this.readWithEtag(container, blob))?.text;
  }

  /** Text and ETag (quoted, as the storage SDK reports it), or undefined when missing. */
  async readWithEtag(
    container: string,
    blob: string,
  ): Promise<{ text: string; etag: string } | undefined> {
    try {
      const client = this.service.getContainerClient(container).getBlobClient(blob);
      const download = await client.download();
      const chunks: Buffer[] = [];
      for await (const chunk of download.readableStreamBody ?? []) chunks.push(chunk as Buffer);
      return { text: Buffer.concat(chunks).toString("utf8"), etag: download.etag ?? "" };
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 404) return undefined;
      throw error;
    }
  }
}
