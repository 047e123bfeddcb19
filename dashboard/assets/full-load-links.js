// The board's page is served without dash-ag-grid's bundle (dashboard/bundles.py), and Dash cannot add a
// component library to a page that is already running. So on a page without it, a link to another page of the
// app loads that page in full instead of inside the running app.
document.addEventListener(
  "click",
  function (event) {
    if (window.dash_ag_grid || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target instanceof Element ? event.target.closest("a[href]") : null;
    if (!link || link.target) return;
    var url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin || url.pathname === window.location.pathname) return;
    event.preventDefault();
    event.stopPropagation();
    window.location.assign(url.href);
  },
  true
);
