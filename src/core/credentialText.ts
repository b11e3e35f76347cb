/**
 * One line for a failed Microsoft Entra ID token request: what could not be reached and what to do.
 * @azure/identity's DefaultAzureCredential answers a machine with no sign-in with a chain of seven
 * messages (one per credential it tried: environment, managed identity, VS Code, Azure CLI, ...),
 * the useful one somewhere in the middle. That chain is kept as the error's cause, for --debug.
 */

/** The error names @azure/identity gives a token request that failed (node_modules/@azure/identity/dist/commonjs/errors.js). */
const NOT_SIGNED_IN = new Set(["CredentialUnavailableError", "AggregateAuthenticationError"]);
const REFUSED = new Set(["AuthenticationError", "AuthenticationRequiredError"]);

/** Whether `error` is a failed token request of @azure/identity (by name: no import of the SDK here). */
export function isIdentityError(error: Error): boolean {
  return NOT_SIGNED_IN.has(error.name) || REFUSED.has(error.name);
}

/** How a target gets its token, for the advice. */
export type CredentialKind = "default" | "clientSecret";

/**
 * The one line for a token request of `kind` that failed with `error`, for `target` ("the source
 * https://x.azurehealthcareapis.com", "the storage").
 */
export function credentialFailureText(error: Error, kind: CredentialKind, target: string): string {
  if (kind === "clientSecret") {
    const first = error.message.split("\n").find((l) => l.trim() !== "") ?? error.name;
    return `Microsoft Entra ID refused the client credentials for ${target} (${first.trim()}): check AZURE_TenantId, AZURE_ClientId and AZURE_ClientSecret.`;
  }
  if (NOT_SIGNED_IN.has(error.name))
    return `Not signed in to Azure: no credential gave a token for ${target}. Run \`az login\` on this machine (in Azure the app's managed identity is used; a source in another tenant needs AZURE_ClientCredential=true). --debug shows what each credential answered.`;
  const first = error.message.split("\n").find((l) => l.trim() !== "") ?? error.name;
  return `Microsoft Entra ID refused a token for ${target}: ${first.trim()}. Sign in again (\`az login\`) with an account of the right tenant.`;
}
