import { describe, expect, it } from "vitest";
import type { RequestLatency } from "../../../bench/requestLatency";
import { LATENCY_PROFILES, scanFile, streamDownloadMs } from "../../../bench/requestLatency";

const slow: RequestLatency = LATENCY_PROFILES.slow!;

describe("scanFile", () => {
  it("ends a file whose download is slower than its checks when the download ends", () => {
    // 25 MB at 25 MB/s: 1 s plus the request; 1,000 lines at 30 µs: 30 ms.
    const file = scanFile(slow, 0, 0, 25e6, 1000);
    expect(file.endMs).toBeCloseTo(streamDownloadMs(slow, 25e6));
    expect(file.cpuFreeMs).toBeCloseTo(1000 * slow.streamMsPerLine);
  });

  it("queues a file's checks behind those already on the activity's thread", () => {
    const lines = 100_000; // 3 s of checks at 30 µs a line, downloads of 0.1 s and a little
    const first = scanFile(slow, 0, 0, 1000, lines);
    const second = scanFile(slow, 0, first.cpuFreeMs, 1000, lines);
    expect(first.endMs).toBeCloseTo(lines * slow.streamMsPerLine);
    expect(second.endMs).toBeCloseTo(2 * lines * slow.streamMsPerLine);
    expect(second.cpuFreeMs).toBe(second.endMs);
  });

  it("starts the checks no earlier than the file, when the thread is already free", () => {
    const file = scanFile(slow, 5000, 1000, 1000, 1000);
    expect(file.cpuFreeMs).toBeCloseTo(5000 + 1000 * slow.streamMsPerLine);
  });
});
