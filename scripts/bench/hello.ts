// A bare hello-world function: the cold-start baseline (what the runtime and host cost on their own)
// and the harness's throughput ceiling (the load generator and host without any function work).
export default async function hello(_req: Request): Promise<Response> {
  return new Response("Hello World", { headers: { "content-type": "text/plain" } });
}
