// The e2e worker's `Egress` class written with the official JS library
// (@cloudflare/containers 0.3.7), set as the library's own egress test
// sets its class (examples/egress-tests): the e2e test bundles it with
// esbuild and serves it from the same workerd, on the same image, to
// compare its answers with ours.
import { Container, ContainerProxy, getContainer } from "@cloudflare/containers";

// The library asks its users to export its entrypoint.
export { ContainerProxy };

export class JsEgress extends Container {
  defaultPort = 8080;
  enableInternet = false;
  allowedHosts = ["allowed.com", "by-host.com", "*.globtest.com"];
  deniedHosts = ["denied.com"];

  // `/egress/<change>/<host>` changes the lists at run time, as the e2e
  // worker's `Egress` class does; the rest goes to the container.
  async fetch(request) {
    const match = new URL(request.url).pathname.match(/^\/egress\/([a-z-]+)\/(.+)$/);
    if (!match) return super.fetch(request);
    const [, change, host] = match;
    const changes = {
      allow: (h) => this.allowHost(h),
      deny: (h) => this.denyHost(h),
      "remove-allowed": (h) => this.removeAllowedHost(h),
      "remove-denied": (h) => this.removeDeniedHost(h),
    };
    await changes[change](host);
    return new Response("changed");
  }
}

// Assigned after the class, as the library's docs do: a static class
// field would shadow its setters.
JsEgress.outboundByHost = {
  "by-host.com": () => new Response("outboundByHost: by-host.com"),
  "*.globtest.com": (request) => new Response("outboundByHost glob: " + new URL(request.url).hostname),
};
JsEgress.outbound = (request, env, ctx) => {
  const url = new URL(request.url);
  return new Response(`catch-all: ${url.hostname} ${url.pathname} from ${ctx.className}`);
};

export default {
  async fetch(request, env) {
    return getContainer(env.JS_EGRESS, request.headers.get("x-instance") ?? "egress").fetch(request);
  },
};
