/**
 * FHIR R4 resource type names (4.0.1). Routes, `_type`, `$import` input types and export `_type`
 * are checked against this list, as the server checks `ModelInfoProvider.IsKnownResource`
 * (ordinal, case-sensitive). The list itself is the product's: one R4 list in the repository.
 */
import { isR4ResourceType } from "../src/core/resourceTypes";

export function isKnownResourceType(name: string): boolean {
  return isR4ResourceType(name);
}
