/**
 * The `_container` of an `$export`: the blob container of the staging account the files go to.
 *
 * The server checks one thing at kick-off (microsoft/fhir-server,
 * src/Microsoft.Health.Fhir.Shared.Api/Controllers/ExportController.cs,
 * ValidatePathTraversalForExportParameter): it percent-decodes the value with
 * Uri.UnescapeDataString, splits it on `/` and `\`, and rejects it when a segment is `..`, so
 * `..%2fsecret` is refused like `../secret`. The container itself is created by the export job, so a
 * name Azure Storage does not accept fails the job only after it started; it is checked here too,
 * before anything is sent (Azure Storage's container naming rules: 3-63 characters, lowercase
 * letters, digits and single hyphens, starting with a letter or digit).
 */

/**
 * Uri.UnescapeDataString: each `%XX` run that forms valid UTF-8 is decoded; anything else (a lone
 * `%`, `%zz`, an invalid byte sequence) is left as it is, never an error.
 */
export function unescapeDataString(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      // Not valid UTF-8 as a whole: decode what can be, one escape at a time.
      return run.replace(/%[0-9A-Fa-f]{2}/g, (one) => {
        try {
          return decodeURIComponent(one);
        } catch {
          return one;
        }
      });
    }
  });
}

/** The server's check: after percent-decoding, no `/` or `\` separated segment may be `..`. */
export function hasPathTraversal(value: string): boolean {
  return unescapeDataString(value)
    .split(/[/\\]/)
    .some((segment) => segment === "..");
}

const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$/;

export const EXPORT_CONTAINER_RULE =
  "a blob container name: 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit";

/** Why a `_container` value cannot be used, or undefined when it can. */
export function exportContainerProblem(value: string): string | undefined {
  if (hasPathTraversal(value)) {
    return `a container name without a ".." path segment (the server refuses path traversal, also percent-encoded as in ..%2f)`;
  }
  return CONTAINER_NAME.test(value) ? undefined : EXPORT_CONTAINER_RULE;
}
