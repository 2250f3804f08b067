// The benchmark's floor (bench/runtime.sh): the same three hops written by
// hand in JavaScript with no library, served by the same workerd on the
// same image. What it costs is workerd's own share, which neither library
// can go below: a Worker answering alone, a Durable Object answering
// itself, and a Durable Object handing the request to its container's port.
import { DurableObject } from "cloudflare:workers";

export class Floor extends DurableObject {
  async fetch(request) {
    if (request.headers.get("x-container") === "echo") return new Response("hi");
    const container = this.ctx.container;
    if (!container.running) container.start({ enableInternet: false });
    // Until the server listens, each attempt limited: the port can accept
    // and then hang while the server does not listen yet. The warm figures
    // never get here twice.
    for (let attempt = 0; ; attempt++) {
      const limit = new Promise((_, reject) => setTimeout(() => reject(new Error("no answer in 1 s")), 1000));
      try {
        return await Promise.race([container.getTcpPort(8080).fetch(request), limit]);
      } catch (error) {
        if (attempt === 300) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }
}

export default {
  async fetch(request, env) {
    const kind = request.headers.get("x-container");
    if (kind === "none") return new Response("unknown x-container", { status: 400 });
    const name = kind === "echo" ? "echo" : (request.headers.get("x-instance") ?? "default");
    return env.FLOOR.get(env.FLOOR.idFromName(name)).fetch(request);
  },
};
