// Wall screen (/wall): the clock and the pages, in the browser. Its "NOT UPDATING" cover is alive.js's, shared
// with the bay.
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
    },
});
