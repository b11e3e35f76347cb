/**
 * Exact server message texts, in one place. Sources are the docs/server-behaviour.md sections named
 * on each group and the server's resource files (Core and Api Resources.resx). Typos, double spaces
 * and trailing spaces are the server's own and are kept on purpose.
 */

// Routing and CRUD (Api/Core resx: NotFoundException, ResourceNotFoundById, ...).
export const ROUTE_NOT_FOUND = "The requested route was not found.";
export const resourceNotFound = (type: string, id: string): string =>
  `Resource type '${type}' with id '${id}' couldn't be found.`;
export const versionNotFound = (type: string, id: string, vid: string): string =>
  `Resource type '${type}' with id '${id}' and version '${vid}' couldn't be found.`;
export const RESOURCE_TYPE_MISMATCH =
  "Resource type in the URL must match resourceType in the resource.";
export const URL_ID_MISMATCH = "Id in the URL must match id in the resource.";
export const RESOURCE_ID_REQUIRED = "Id must be specified in the resource.";
export const invalidResourceId = (id: string): string =>
  `Invalid resource id: '${id}'. Id must be any combination of upper or lower case ASCII letters ('A'..'Z', and 'a'..'z'), numerals ('0'..'9'), '-' and '.', with a length limit of 64 characters. (This might be an integer, an un-prefixed OID, UUID, or any other identifier pattern that meets these constraints.)`;
export const parsingError = (detail: string): string =>
  `Error occurred when parsing model: '${detail}'.`;
/** Emulator text: the Firely parser's own words for an element the type does not define (fhir-parse.ts). */
export const unknownElement = (name: string, location: string): string =>
  `Encountered unknown element '${name}' at location '${location}' while parsing`;
/** Emulator text: the Firely parser's own words for a code outside a required binding (fhir-parse.ts). */
export const invalidCode = (code: string, location: string): string =>
  `Literal '${code}' is not a valid value for the enumeration at location '${location}'`;

// Search (docs/server-behaviour.md §5.1 / §5.2, Core resx).
/** Resources.resx SearchCountResultsExceedLimit. */
export const searchCountExceedsLimit = (count: number, limit: number): string =>
  `Search count returned ${count} and exceeds the maximum defined limit of ${limit}.`;
export const ELEMENTS_WITH_SUMMARY =
  "The '_elements' parameter is supported only when '_summary' is SummaryType.False or '_summary' is not specified at all.";
export const INVALID_CONTINUATION_TOKEN = "The continuation token is invalid.";
export const countExceedsLimit = (max: number, requested: number): string =>
  `The '_count' parameter exceeds limit configured for server. Current limit is ${max} while \`_count\` parameter set to ${requested}.`;
export const searchParameterNotSupported = (name: string, types: string): string =>
  `The search parameter '${name}' is not supported for resource type '${types}'.`;
export const invalidTypeParameter = (types: string): string =>
  `The '_type' parameter contains unknown resource(s): ${types}`;
export const sortNotSupported = (name: string): string =>
  `Sorting by the '${name}' parameter is not supported.`;
export const invalidTotal = (value: string): string =>
  `The '_total' parameter value '${value}' is invalid. The supported values are: accurate, none.`;
export const unsupportedTotal = (value: string): string =>
  `The '_total' parameter value '${value}' is not supported. The supported values are: accurate, none.`;
export const invalidSummary = (value: string): string =>
  `The requested "_summary" parameter '${value}' is invalid. Allowed values are 'true, text, data, count, false'.`;
export const dateTimeMalformed = (value: string): string =>
  `The date time string '${value}' is not in a correct format.`;
export const beforeInFuture = (name: string): string =>
  `Parameter ${name} cannot a be a value in the future.`;
export const INVALID_COUNT = "The count must be greater than zero.";

// $export kick-off (docs/server-behaviour.md §1.2 / §1.3).
export const unsupportedHeaderValue = (value: string, header: string): string =>
  `Value supplied, ${value},  for the "${header}" header is not supported.`;
export const MISSING_PREFER = "Missing required header; Prefer";
export const MISSING_RESPOND_ASYNC =
  "Missing required header value; header=Prefer,value=respond-async.";
export const unsupportedParameter = (name: string): string =>
  `The "${name}" parameter is not supported.`;
export const unsupportedOutputFormat = (value: string): string =>
  `The output format '${value}' is not supported.`;
export const TYPE_FILTER_WITHOUT_TYPE =
  "The _type parameter must be included when using the _typeFilter parameter.";
export const typeFilterUnparseable = (segment: string): string =>
  `The _typeFilter segment '${segment}' could not be parsed.`;
export const invalidTypeFilterParameters = (pairs: readonly [string, string][]): string =>
  `${pairs.length} invalid search parameter(s) found:\n` +
  pairs.map(([type, name]) => `[type: ${type}, parameter: ${name}]`).join("\n");
export const pathTraversal = (value: string): string =>
  `The value '${value}' is not valid. Path traversal characters are not allowed.`;
export const MAX_COUNT_OUT_OF_RANGE =
  "Export operation parameter 'MaximumNumberOfResourcesPerQuery' was out of the range of valid values. Please specify a different value within a range '1' - '10000'.";
export const invalidIncludeAssociatedData = (value: string): string =>
  `The export parameter "includeAssociatedData" contains an invalid value. Supported values are: ${value}. `;
export const TYPE_FILTER_WITH_HISTORY =
  'The request "_typeFilter" cannot be used with an export request with historical or soft deleted resources.';
export const MISSING_CONTAINER_FOR_ANONYMIZATION = "Missing '_container' for anonymized export";
export const ANONYMIZATION_PARAMETER_CONFLICT =
  "The parameters '_anonymizationConfigEtag' and '_anonymizationConfigCollectionReference' cannot be given in the same request. Please only specify one of them.";
export const formatNotFound = (name: string): string => `The format '${name}' could not be found.`;
export const unsupportedResourceType = (type: string): string =>
  `Requested operation does not support resource type: ${type}.`;
/** Emulator text: the server fails a bad `_isParallel` in model binding without a documented message. */
export const invalidBoolean = (name: string, value: string): string =>
  `The value '${value}' is not valid for ${name}.`;

// Operations status (docs/server-behaviour.md §2.1, §4.1, §4.5).
export const jobNotFound = (id: string): string => `The requested job "${id}" was not found.`;
export const importJobNotFound = (id: string): string =>
  `The requested import job "${id}" was not found.`;
export const operationFailed = (operation: string, reason: string): string =>
  `${operation} operation failed for reason: ${reason}`;
export const USER_REQUESTED_CANCELLATION = "User requested cancellation of operation.";
/** Core resx OperationFailedWithErrorFile: a failed processing job, named by its input file (GetImportRequestHandler.cs). */
export const operationFailedWithErrorFile = (
  operation: string,
  reason: string,
  inputUrl: string,
): string => `${operation} operation failed for reason: ${reason} ErrorFile: ${inputUrl}`;
export const IMPORT_ALREADY_COMPLETED = "Import operation has already completed";
export const anonymizationConfigNotFound = (blob: string): string =>
  `Anonymization configuration '${blob}' not found.`;
export const anonymizationMethodNotSupported = (method: string): string =>
  `Failed to parse configuration file: anonymization method '${method}' is not supported by this server.`;

// $import kick-off (docs/server-behaviour.md §3.1 / §3.2 / §3.5).
export const IMPORT_NOT_PARAMETERS =
  "Import request must be specified as a Paramters.  The body provided in this request is not valid. ";
export const importValueInvalid = (name: string): string =>
  `Value of the following parameter ${name} is invalid.`;
export const INVALID_IMPORT_MODE =
  'Import mode can be either "InitialLoad"or "IncrementalLoad". Please add appropriate mode value to parameters.';
export const INITIAL_IMPORT_MODE_NOT_ENABLED =
  "Initial import mode is not enabled. Please update service configuration to enable initial import mode.";
export const INPUT_URL_ACCOUNT_MISMATCH =
  "input.url must match the configured integration storage account endpoint.";
export const duplicateImportFiles = (urls: readonly string[]): string =>
  `Import request cannot have duplicate files. Found duplicates: ${urls.join(", ")}. `;
export const TOO_MANY_IMPORT_FILES =
  "The maximum number of files allowed per import operation is 10,000.";
/** Emulator text for the front-end throttle on more than five parallel imports (docs/server-behaviour.md §3.5). */
export const TOO_MANY_IMPORT_JOBS =
  "The number of concurrent import jobs exceeds the limit. Please retry later.";
export const LOCKED_BODY = {
  severity: "Error",
  code: "Locked",
  diagnostics: "Service is locked for initial import mode.",
};
/** What the storage SDK reports when an input blob does not exist (job failure, docs/server-behaviour.md §3.3). */
export const BLOB_NOT_FOUND =
  "Service request failed.\nStatus: 404 (The specified blob does not exist.)\nErrorCode: BlobNotFound";

export const etagNotMatch = (url: string): string => `Input file Etag not match. ${url}`;

// Import error lines (docs/server-behaviour.md §4.3).
export const importDuplicate = (id: string, line: number): string =>
  `Failed to import duplicate resource, resource id: ${id}, line: ${line}`;
export const importConflict = (id: string, line: number): string =>
  `Failed to import resource with version conflict, resource id: ${id}, line: ${line}`;
export const RESOURCE_TYPE_NOT_MATCH = "Resource type not match.";
export const SEARCH_PARAMETER_NOT_IMPORTABLE =
  "SearchParameter resources cannot be processed by import.";
export const LAST_UPDATED_IN_FUTURE = "LastUpdated in the resource cannot be in the future.";
/**
 * The OverflowException SqlDecimal throws when a value of 1e20 or more is scaled to decimal(36,18)
 * (System.Data.SqlTypes SQLResource.ArithOverflowMessage, resource SqlMisc_ArithOverflowMessage;
 * emulator/decimal.ts).
 */
export const ARITHMETIC_OVERFLOW = "Arithmetic Overflow.";
/**
 * The SqlTruncateException's message for 1e18 up to 1e20 (SQLResource.TruncationMessage). The
 * server maps it to a 500 and hides it (GetImportRequestHandler.cs), so no client sees this text.
 */
export const NUMERIC_TRUNCATION = "Numeric arithmetic causes truncation.";
export const importLineDiagnostics = (line: number, offset: number): string =>
  `Failed to process resource at line: ${line} with stream start offset: ${offset}`;

// Batch and transaction (Api resx).
export const BUNDLE_REQUIRED =
  "Only a bundle can be submitted for batch or transaction processing.";
export const invalidBundleType = (type: string): string =>
  `Bundles of type '${type}' are not supported for this operation.`;
export const BUNDLE_ENTRY_URL_REQUIRED = "Bundle.entry.request.url is required.";
export const transactionFailed = (method: string, url: string): string =>
  `Transaction failed on '${method}' for the requested url '${url}'.`;

// $reindex (Core resx).
export const onlyOneReindexJob = (id: string): string =>
  `Only one active or paused reindex job allowed.  Cancel job with id: ${id} before submitting a new job.`;
export const reindexNotCancellable = (id: string, state: string): string =>
  `Reindex job id ${id} is in state ${state} and cannot be cancelled.`;
export const REINDEX_NOT_PARAMETERS =
  "Reindex operation parameters must be specified as a FHIR Parameters resource.  Provided body in this request is not valid.";

// SearchParameter writes (Core resx; dbo.MergeSearchParams.sql uses the same reindex text).
export const SEARCH_PARAMETER_MISSING_URI = "The search parameter defintion is missing the Uri.";
export const searchParameterSystemDefined = (url: string): string =>
  `The search parameter with Uri '${url}' is defined by the FHIR specification and cannot be updated or deleted. Custom search parameters must use a different URL.`;
export const searchParameterDuplicatedUrl = (url: string): string =>
  `A search parameter with the same definition URL '${url}' already exists.`;
export const searchParameterConflictingCode = (code: string, baseType: string): string =>
  `A search parameter with the same code value '${code}' already exists for base type '${baseType}'.`;
export const searchParametersLockedByReindex = (jobId: string): string =>
  `Changes to search parameters are not allowed while a reindex job is in progress. Wait for the reindex job with Id: ${jobId} to finish, or cancel it.`;
/** Emulator text: a throttled batch entry's outcome (the server's text depends on the store). */
export const REQUEST_RATE_EXCEEDED = "The request rate exceeded the limit. Please retry later.";
