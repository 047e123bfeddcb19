// Wall screen (/wall): the clock, and the full-screen "not updating" state. Both run in the browser, so they
// still work when the server or the session is gone: a wall must never look live when it is not.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    cartwatchWall: {
        clock: function (_n, tz) {
            return new Intl.DateTimeFormat("en-GB", {
                hour: "2-digit", minute: "2-digit", hour12: false, timeZone: tz || undefined,
            }).format(new Date());
        },

        // A bay with more beds than one screen holds (24) is drawn in pages: show the next one. The server keeps
        // the page shown when it draws the beds again.
        page: function (_n, shown) {
            const pages = dash_clientside.callback_context.outputs_list[1].length;
            const next = pages > 1 ? ((shown || 0) + 1) % pages : 0;
            const classes = Array.from({length: pages}, (_, i) => "wall-grid wall-page" + (i === next ? "" : " d-none"));
            return [next, classes, pages > 1 ? "page " + (next + 1) + " of " + pages : ""];
        },

        // Each refresh asks the server who is signed in. No answer within one refresh, an error (the server or
        // the database is down) or 401 (the session or display token ended), or a last drawing older than the
        // server's redraw interval: the page covers itself with "NOT UPDATING".
        alive: async function (_n, rendered, tz) {
            const overlay = document.getElementById("wall-stale");
            const timeout = Number(overlay ? overlay.dataset.timeout : 15000);
            const staleAfter = Number(overlay ? overlay.dataset.staleAfter : 90000);
            const last = rendered ? new Date(rendered) : null;
            const since = last ? new Intl.DateTimeFormat("en-GB", {
                hour: "2-digit", minute: "2-digit", hour12: false, timeZone: tz || undefined,
            }).format(last) : "?";
            let reason = "";
            try {
                const controller = new AbortController();
                const timer = setTimeout(() => controller.abort(), timeout);
                const response = await fetch("/api/v1/me", {
                    cache: "no-store", credentials: "same-origin", redirect: "manual", signal: controller.signal,
                });
                clearTimeout(timer);
                if (response.status === 401 || response.type === "opaqueredirect") {
                    reason = "signed out: the session or display token has ended";
                } else if (!response.ok) {
                    reason = "the server answered " + response.status;
                }
            } catch (error) {
                reason = "the server cannot be reached";
            }
            if (!reason && last && Date.now() - last.getTime() > staleAfter) {
                reason = "no update received";
            }
            if (!reason) {
                return ["wall-stale d-none", ""];
            }
            return ["wall-stale", "Last update " + since + " — " + reason + "."];
        },
    },
});
