/**
 * Narrow readers for the Azure SDK's RestError, so callers can branch on a status and a service
 * error code without `any`, and a helper that keeps SAS tokens out of messages.
 */

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  details?: { odataError?: { code?: string }; errorCode?: string };
}

function asRestError(error: unknown): RestErrorLike | undefined {
  return error instanceof Error && "statusCode" in error ? (error as RestErrorLike) : undefined;
}

/** HTTP status of a storage RestError, or undefined for anything else (network errors included). */
export function storageStatus(error: unknown): number | undefined {
  return asRestError(error)?.statusCode;
}

/**
 * The service error code. The Table service sends it in the OData error body and the SDK leaves
 * `err.code` undefined (observed on Azurite: a 412 carries only
 * `details.odataError.code = "UpdateConditionNotSatisfied"`), so both places are read.
 */
export function storageErrorCode(error: unknown): string | undefined {
  const rest = asRestError(error);
  if (rest === undefined) return undefined;
  return rest.code ?? rest.details?.odataError?.code ?? rest.details?.errorCode;
}

/** True when the error is a storage RestError with this status and (when given) one of these codes. */
export function isStorageError(error: unknown, status: number, codes?: readonly string[]): boolean {
  if (storageStatus(error) !== status) return false;
  if (codes === undefined) return true;
  const code = storageErrorCode(error);
  return code !== undefined && codes.includes(code);
}
