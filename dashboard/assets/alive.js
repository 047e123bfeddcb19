// "NOT UPDATING": the check the wall screen (/wall) and the bay (/) share (dashboard/views/liveness.py). It runs in
// the browser, so it still works when the server, the network or the session is gone: a board must never look
// live when it is not.
(function () {
    const lastRun = new Map();  // cover id -> when its check last ran (ms, this browser's clock)

    function wardTime(at, tz) {
        return new Intl.DateTimeFormat("en-GB", {
            hour: "2-digit", minute: "2-digit", hour12: false, timeZone: tz || undefined,
        }).format(at);
    }

    window.dash_clientside = Object.assign({}, window.dash_clientside, {
        cartwatchAlive: {
            // Each refresh: ask the server who is signed in. No answer within one refresh, an error (the server
            // or the database is down), a 401 or a redirect to the log-in page (the session or display token
            // ended), or a last update older than the cover's data-stale-after: cover the beds with
            // "NOT UPDATING", the time of the last update and why. The outputs are the cover's className and
            // its text; `last` is when the page last received an update (a time or ms since the epoch).
            check: async function (_n, last, tz) {
                const coverId = dash_clientside.callback_context.outputs_list[0].id;
                const cover = document.getElementById(coverId);
                if (!cover) {
                    return [dash_clientside.no_update, dash_clientside.no_update];
                }
                const shown = cover.className.split(" ").filter(name => name && name !== "d-none").join(" ");
                const timeout = Number(cover.dataset.timeout || 15000);
                const staleAfter = Number(cover.dataset.staleAfter || 90000);
                const now = Date.now();  // before the question, so a slow answer does not age the last update
                // A page whose timers did not run (a tab in the background, a computer asleep) judges the age of
                // its last update once its refresh has had a turn to bring one.
                const previous = lastRun.get(coverId);
                const awake = previous === undefined || now - previous <= 2 * timeout + 1000;
                lastRun.set(coverId, now);
                const updated = last === null || last === undefined || last === "" ? null : new Date(last);
                const since = updated && !isNaN(updated.getTime()) ? wardTime(updated, tz) : "?";
                let reason = "";
                const controller = new AbortController();
                const timer = setTimeout(() => controller.abort(), timeout);
                try {
                    const response = await fetch("/api/v1/me", {
                        cache: "no-store", credentials: "same-origin", redirect: "manual", signal: controller.signal,
                    });
                    if (response.status === 401 || response.type === "opaqueredirect") {
                        reason = "signed out: the session or display token has ended";
                    } else if (!response.ok) {
                        reason = "the server answered " + response.status;
                        const body = await response.json().catch(() => null);
                        if (body && typeof body.error === "string") {
                            reason += ": " + body.error;
                        }
                    }
                } catch (error) {
                    reason = "the server cannot be reached";
                } finally {
                    clearTimeout(timer);
                }
                if (!reason && awake && updated && now - updated.getTime() > staleAfter) {
                    reason = "no update received";
                }
                if (!reason) {
                    return [shown + " d-none", ""];
                }
                return [shown, "Last update " + since + " — " + reason + "."];
            },

            // When the page received its last update, by this browser's clock (the server's may differ): the
            // inputs are the stores an update writes.
            received: function () {
                return Date.now();
            },
        },
    });
})();
