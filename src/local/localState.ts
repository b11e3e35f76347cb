/**
 * The state of a local run that has no storage configured: an Azurite on disk under one folder
 * (`--state-dir`, default `.fhir-migrate`). Every command that reads or writes a migration's state
 * reaches it the same way: it attaches to the Azurite already serving that folder (another command
 * started it and wrote its ports in the endpoint file), or starts one there itself. Two Azurites
 * must never serve one folder (each would overwrite the other's files), so starting takes a lock.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import type { AzuriteInstance, AzuritePorts } from "./azurite";
import { azuriteAt, portsAnswer, startAzurite } from "./azurite";

/** Written by the command that started the folder's Azurite, removed when it stops it. */
export const ENDPOINT_FILE = "azurite-endpoint.json";
const LOCK_FILE = "azurite-start.lock";
/** A file Azurite writes on its first start in a folder: the folder holds a local run's state. */
const TABLE_DATABASE = "__azurite_db_table__.json";
/** How long to wait for another command that is starting the folder's Azurite. */
const START_WAIT_MS = 30_000;

interface EndpointRecord extends AzuritePorts {
  pid: number;
  /** The process that started it (and will stop it). */
  ownerPid: number;
}

export interface LocalState {
  azurite: AzuriteInstance;
  /** Whether this process started the Azurite (and stops it at release) or found it running. */
  started: boolean;
  /** Stops the Azurite when this process started it; leaves one it attached to running. */
  release(): Promise<void>;
}

/** Whether a local run has kept state in this folder. */
export function holdsLocalState(location: string): boolean {
  return existsSync(join(location, TABLE_DATABASE));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readRecord(location: string): EndpointRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(location, ENDPOINT_FILE), "utf8")) as EndpointRecord;
  } catch {
    // No Azurite announced here (or a file cut short by a crash): start one.
    return undefined;
  }
}

/** The folder's running Azurite, when its process lives and its ports answer. */
async function running(location: string): Promise<AzuriteInstance | undefined> {
  const record = readRecord(location);
  if (record === undefined || !alive(record.pid) || !(await portsAnswer(record))) return undefined;
  return azuriteAt(record.pid, record, async () => {});
}

async function takeLock(location: string): Promise<(() => void) | undefined> {
  const path = join(location, LOCK_FILE);
  try {
    const handle = await open(path, "wx");
    await handle.writeFile(String(process.pid));
    await handle.close();
    return () => rmSync(path, { force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const holder = Number(readFileSync(path, "utf8"));
    // A lock left by a process that died while starting: take it over.
    if (!Number.isInteger(holder) || holder <= 0 || !alive(holder)) {
      rmSync(path, { force: true });
      return takeLock(location);
    }
    return undefined;
  }
}

/**
 * Attaches to the Azurite serving `location`, or starts one there (on disk, so the state stays
 * between commands). Release it when done: an Azurite this call started stops then.
 */
export async function openLocalState(location: string): Promise<LocalState> {
  mkdirSync(location, { recursive: true });
  const deadline = Date.now() + START_WAIT_MS;
  for (;;) {
    const found = await running(location);
    if (found !== undefined) return { azurite: found, started: false, release: async () => {} };
    const unlock = await takeLock(location);
    if (unlock === undefined) {
      // Another command is starting it: its endpoint file appears once it answers.
      if (Date.now() > deadline)
        throw new Error(
          `Another process has been starting the local Azurite under ${location} for ${START_WAIT_MS / 1000} s; remove ${join(location, LOCK_FILE)} if no fhir-migrate command runs there`,
        );
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    try {
      // The lock holder may have finished between the check and the lock.
      const raced = await running(location);
      if (raced !== undefined) return { azurite: raced, started: false, release: async () => {} };
      const azurite = await startAzurite({ location });
      const record: EndpointRecord = {
        blobPort: azurite.blobPort,
        queuePort: azurite.queuePort,
        tablePort: azurite.tablePort,
        pid: azurite.pid,
        ownerPid: process.pid,
      };
      const file = join(location, ENDPOINT_FILE);
      writeFileSync(`${file}.tmp`, JSON.stringify(record));
      renameSync(`${file}.tmp`, file);
      return {
        azurite,
        started: true,
        release: async () => {
          rmSync(file, { force: true });
          await azurite.stop();
        },
      };
    } finally {
      unlock();
    }
  }
}
