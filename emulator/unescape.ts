/**
 * .NET's Uri.UnescapeDataString, which microsoft/fhir-server applies to `_container` before its
 * path-traversal check (src/Microsoft.Health.Fhir.Shared.Api/Controllers/ExportController.cs,
 * ValidatePathTraversalForExportParameter): `%XX` runs that form valid UTF-8 are decoded, anything
 * else is left as it is (it never throws).
 */
export function unescapeDataString(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
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
