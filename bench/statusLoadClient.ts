/**
 * The readers of bench/statusLoad.ts, in a process of their own as browsers would be: fires
 * `requests` GETs at once at the status URL (half the page, half the JSON report) and prints one
 * JSON line with each request's latency, how many were answered 200, and the bytes received.
 */
async function main(): Promise<void> {
  const [url, count] = process.argv.slice(2);
  const requests = Number(count);
  if (url === undefined || !Number.isInteger(requests) || requests < 1)
    throw new Error("usage: statusLoadClient.ts <status URL> <requests>");
  const latencies: number[] = [];
  let answered = 0;
  let bytes = 0;
  await Promise.all(
    Array.from({ length: requests }, async (_, i) => {
      const started = performance.now();
      const response = await fetch(i % 2 === 0 ? url : `${url}?format=json`, {
        signal: AbortSignal.timeout(120_000),
      });
      bytes += (await response.text()).length;
      latencies.push(performance.now() - started);
      if (response.status === 200) answered++;
    }),
  );
  process.stdout.write(`${JSON.stringify({ latencies, answered, bytes })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
