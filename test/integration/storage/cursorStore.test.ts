import { beforeEach, describe, expect, it } from "vitest";
import { CursorStore, emptyCursor } from "../../../src/storage/cursorStore";
import { freshTable } from "../../support/freshTable";

describe("the cursor row against Azurite", () => {
  let cursors: CursorStore;

  beforeEach(async () => {
    cursors = new CursorStore(await freshTable(), { partitionKey: "pk", rowKey: "rk" });
  });

  it("reads as the empty cursor before its first write, and a change starts from it", async () => {
    expect(await cursors.getCursor()).toEqual(emptyCursor());
    const change = await cursors.changeCursor((c) => ({ ...c, nextSeq: c.nextSeq + 1 }));
    expect(change).toMatchObject({ written: true, before: undefined, after: { nextSeq: 2 } });
  });

  it("answers the empty cursor as `after` when a change of an unwritten cursor declines", async () => {
    const change = await cursors.changeCursor(() => undefined);
    expect(change).toEqual({ written: false, before: undefined, after: emptyCursor() });
  });

  it("keeps a written cursor when the empty one is inserted again", async () => {
    await cursors.changeCursor((c) => ({ ...c, nextSeq: 7 }));
    await cursors.insertEmptyCursor();
    expect((await cursors.getCursor()).nextSeq).toBe(7);
  });
});
