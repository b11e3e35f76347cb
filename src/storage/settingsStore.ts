import type { StateKeys } from "./cursorStore";
import type { RowAddress } from "./rowStore";
import { RowStore, kindCodec } from "./rowStore";
import { json, optionalText, requiredText, rowKind } from "./rowSpec";
import type { TableRepository, TableRow } from "./tableRepository";

/** The settings that shape planning and payloads, as the tables record them. */
export interface SettingsRecord {
  fingerprint: string;
  values: Record<string, string>;
  recordedAt: string;
  /** Set when the values were accepted during a migration: the frontier they apply from. */
  acceptedFromFrontier?: string | undefined;
  previousValues?: Record<string, string> | undefined;
  /** The last runner refused because its settings differ: when, and why. */
  refusedAt?: string | undefined;
  refusedReason?: string | undefined;
}

/** The settings row of the cursor table. */
export const SETTINGS_ROW = rowKind<SettingsRecord>("settings", {
  fingerprint: requiredText("Fingerprint"),
  values: json<Record<string, string>>("SettingValues", { fallback: {} }),
  recordedAt: requiredText("RecordedAt"),
  acceptedFromFrontier: optionalText("AcceptedFromFrontier"),
  previousValues: json<Record<string, string> | undefined>("PreviousValues", {
    fallback: undefined,
  }),
  refusedAt: optionalText("RefusedAt"),
  refusedReason: optionalText("RefusedReason", { max: 30000 }),
});

/**
 * The row that records the settings shaping planning and payloads (src/core/shapingSettings.ts),
 * next to the cursor: `{rowKey}-settings` in the cursor table.
 */
export class SettingsStore {
  private readonly rows: RowStore<SettingsRecord>;
  private readonly at: RowAddress;

  constructor(table: TableRepository<TableRow>, keys: StateKeys) {
    this.rows = new RowStore(table, kindCodec(SETTINGS_ROW));
    this.at = { partitionKey: keys.partitionKey, rowKey: `${keys.rowKey}-settings` };
  }

  async getSettingsRecord(): Promise<SettingsRecord | undefined> {
    return this.rows.get(this.at);
  }

  /** Records `record` unless a record exists; returns the stored one. */
  async insertSettingsRecord(
    record: SettingsRecord,
  ): Promise<{ created: boolean; record: SettingsRecord }> {
    return this.rows.insertIfAbsent(this.at, record);
  }

  /** Overwrites the record (accepting new settings). */
  async putSettingsRecord(record: SettingsRecord): Promise<void> {
    await this.rows.put(this.at, record);
  }

  /**
   * Notes a refused runner on the record, only while it still holds `fingerprint`: settings
   * accepted meanwhile are never overwritten (ETag-guarded).
   */
  async noteSettingsRefusal(fingerprint: string, refusedAt: string, reason: string): Promise<void> {
    await this.rows.changeExisting(this.at, (record) =>
      record.fingerprint !== fingerprint
        ? undefined
        : { ...record, refusedAt, refusedReason: reason },
    );
  }
}
