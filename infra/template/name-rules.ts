/**
 * The naming rules of every resource type the template creates, as "Naming rules and restrictions
 * for Azure resources" states them
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules; the
 * `rule` text quotes its table row). The template fits derived names into `maxLength`, and
 * test/unit/infra/resource-names.test.ts checks every name a deployment would use against
 * `pattern` at the longest inputs the template and the wizard accept.
 */
export interface NameRule {
  minLength: number;
  maxLength: number;
  /** The valid characters and their positions (length is checked separately). */
  pattern: RegExp;
  /** The row of the naming rules page, as it states it. */
  rule: string;
}

/** Letters, digits and hyphens: a mapped-to-Punycode Unicode letter is never derived here. */
const ALNUM_HYPHEN = /^[A-Za-z0-9-]+$/;
/** Anything but the listed characters and control characters, not ending with a space or period. */
const excluding = (chars: string): RegExp => {
  const forbidden = `${chars.replace(/[\\\]^-]/g, "\\$&")}\\u0000-\\u001f\\u007f`;
  return new RegExp(`^[^${forbidden}]*[^${forbidden} .]$`);
};

export const NAME_RULES = {
  "Microsoft.Storage/storageAccounts": {
    minLength: 3,
    maxLength: 24,
    pattern: /^[a-z0-9]+$/,
    rule: "storageAccounts | global | 3-24 | Lowercase letters and numbers.",
  },
  "Microsoft.Storage/storageAccounts/tableServices/tables": {
    minLength: 3,
    maxLength: 63,
    pattern: /^[A-Za-z][A-Za-z0-9]*$/,
    rule: "table | storage account | 3-63 | Alphanumerics. Start with letter.",
  },
  "Microsoft.OperationalInsights/workspaces": {
    minLength: 4,
    maxLength: 63,
    pattern: /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/,
    rule: "workspaces | resource group | 4-63 | Alphanumerics and hyphens. Start and end with alphanumeric.",
  },
  "Microsoft.Insights/components": {
    minLength: 1,
    maxLength: 260,
    pattern: excluding("%&\\?/"),
    rule: "components | resource group | 1-260 | Can't use: %&\\?/ or control characters. Can't end with space or period.",
  },
  "Microsoft.Insights/actionGroups": {
    minLength: 1,
    maxLength: 260,
    pattern: excluding(":<>+/&%\\?"),
    rule: "actionGroups | resource group | 1-260 | Can't use: :<>+/&%\\? or control characters. Can't end with space or period.",
  },
  "Microsoft.Insights/scheduledQueryRules": {
    minLength: 1,
    maxLength: 260,
    pattern: excluding("*<>%{}&:\\?/#"),
    rule: "scheduledQueryRules | resource group | 1-260 | Can't use: *<>%{}&:\\?/# or control characters. Can't end with space or period.",
  },
  "Microsoft.Web/serverfarms": {
    minLength: 1,
    maxLength: 60,
    pattern: ALNUM_HYPHEN,
    rule: "serverfarms | resource group | 1-60 | Alphanumeric, hyphens and Unicode characters that can be mapped to Punycode",
  },
  "Microsoft.Web/sites": {
    minLength: 2,
    maxLength: 60,
    pattern: /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/,
    rule: "sites | global | 2-60 | Alphanumeric, hyphens and Unicode characters that can be mapped to Punycode. Can't start or end with hyphen.",
  },
  "Microsoft.Web/sites/basicPublishingCredentialsPolicies": {
    minLength: 3,
    maxLength: 3,
    pattern: /^(ftp|scm)$/,
    rule: "the policy of a site's FTP or SCM publishing credentials is named ftp or scm (ARM template reference, Microsoft.Web sites/basicPublishingCredentialsPolicies)",
  },
  "Microsoft.Web/sites/config": {
    minLength: 11,
    maxLength: 11,
    pattern: /^appsettings$/,
    rule: "a site's app settings are the config resource named appsettings (ARM template reference, Microsoft.Web sites/config)",
  },
  "Microsoft.KeyVault/vaults": {
    minLength: 3,
    maxLength: 24,
    pattern: /^[A-Za-z](?!.*--)[A-Za-z0-9-]*[A-Za-z0-9]$/,
    rule: "vaults | global | 3-24 | Alphanumerics and hyphens. Start with letter. End with letter or digit. Can't contain consecutive hyphens.",
  },
  "Microsoft.KeyVault/vaults/secrets": {
    minLength: 1,
    maxLength: 127,
    pattern: ALNUM_HYPHEN,
    rule: "vaults / secrets | Vault | 1-127 | Alphanumerics and hyphens.",
  },
  "Microsoft.Resources/deployments": {
    minLength: 1,
    maxLength: 64,
    pattern: /^[A-Za-z0-9_().-]+$/,
    rule: "deployments | resource group | 1-64 | Alphanumerics, underscores, parentheses, hyphens, and periods.",
  },
  "Microsoft.Authorization/roleAssignments": {
    minLength: 36,
    maxLength: 36,
    pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    rule: "roleAssignments | tenant | 36 | Must be a globally unique identifier (GUID).",
  },
  "Microsoft.Portal/dashboards": {
    minLength: 3,
    maxLength: 160,
    pattern: ALNUM_HYPHEN,
    rule: "dashboards | resource group | 3-160 | Alphanumerics and hyphens. To use restricted characters, add a tag named hidden-title with the dashboard name you want to use.",
  },
} as const satisfies Record<string, NameRule>;

export type NamedResourceType = keyof typeof NAME_RULES;

/** What is wrong with `name` as a name of `type` (empty: nothing). */
export function nameProblems(type: NamedResourceType, name: string): string[] {
  const rule: NameRule = NAME_RULES[type];
  const problems: string[] = [];
  if (name.length < rule.minLength || name.length > rule.maxLength)
    problems.push(
      `${type} "${name}" has ${name.length} characters; ${rule.minLength}-${rule.maxLength} allowed`,
    );
  if (!rule.pattern.test(name)) problems.push(`${type} "${name}" breaks "${rule.rule}"`);
  return problems;
}
