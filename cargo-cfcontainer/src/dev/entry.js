// The front of `cargo cfcontainer dev`'s workerd: the official local
// simulator's URL for running the Worker's scheduled handler
// (`/cdn-cgi/handler/scheduled?cron=...&time=...`, as `wrangler dev` has
// it); every other request goes to the Worker (through its static assets'
// router when it has assets) as it came.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== "/cdn-cgi/handler/scheduled") {
      return env.FRONT.fetch(request);
    }
    const time = url.searchParams.get("time");
    const result = await env.WORKER.scheduled({
      scheduledTime: time ? new Date(parseInt(time, 10)) : undefined,
      cron: url.searchParams.get("cron") ?? undefined,
    });
    return new Response(result.outcome, { status: result.outcome === "ok" ? 200 : 500 });
  },
};
