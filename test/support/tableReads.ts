import { TableClient } from "@azure/data-tables";
import { vi } from "vitest";

/**
 * Entities read through TableClient while `work` runs: every entity the SDK hands back, page by
 * page, and every single-entity read, where the tool meets the Table service. `partition` keeps
 * only the entities of the partitions it accepts (all by default).
 */
export async function entitiesRead(
  work: () => Promise<unknown>,
  partition: (partitionKey: string) => boolean = () => true,
): Promise<number> {
  let read = 0;
  const list = TableClient.prototype.listEntities;
  const get = TableClient.prototype.getEntity;
  const listSpy = vi.spyOn(TableClient.prototype, "listEntities").mockImplementation(function (
    this: TableClient,
    ...args: Parameters<TableClient["listEntities"]>
  ) {
    const iterator = list.apply(this, args);
    const byPage = iterator.byPage.bind(iterator);
    iterator.byPage = (settings) => {
      const pages = byPage(settings);
      return {
        ...pages,
        next: async () => {
          const page = await pages.next();
          if (page.done !== true)
            read += page.value.filter((e) => partition(String(e.partitionKey))).length;
          return page;
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      } as typeof pages;
    };
    return iterator;
  });
  const getSpy = vi.spyOn(TableClient.prototype, "getEntity").mockImplementation(async function (
    this: TableClient,
    ...args: Parameters<TableClient["getEntity"]>
  ) {
    const entity = await get.apply(this, args);
    if (partition(args[0])) read++;
    return entity;
  } as TableClient["getEntity"]);
  try {
    await work();
  } finally {
    listSpy.mockRestore();
    getSpy.mockRestore();
  }
  return read;
}
