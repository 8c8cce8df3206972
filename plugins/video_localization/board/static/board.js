// The localization board: a React component rendered by Airflow's UI (react_apps) inside its own frame.
// A plain ES module with no build step: React and Chakra UI come from the globals the UI puts on
// globalThis, so the page has the UI's look (theme, dark mode) and its login. Data comes from the board's
// API (same origin: the UI's `_token` cookie goes with every fetch, <video> and <track> request).
const React = globalThis.React;
const C = globalThis.ChakraUI;
const h = React.createElement;

// Every URL is relative to the UI's <base href>, so a deployment under a sub-path works too.
const url = (path) => new URL(path, document.baseURI).href;
const POLL_MS = 4000;

const STATUS_COLORS = {
  delivered: "green", vendor: "blue", review: "purple", working: "cyan", queued: "gray",
  failed: "red", rejected: "orange", moved: "yellow", skipped: "gray", planned: "gray",
};
const RUN_COLORS = { success: "green", failed: "red", running: "blue", queued: "gray" };
const VENDOR_NAMES = {
  panjaya: "Panjaya", akool: "Akool", blendvision: "BlendVision", cdnvideo: "CDNvideo", rev: "Rev",
};
const FORMAT_NAMES = { SubRip: "SRT", WebVtt: "WebVTT", Ttml: "TTML", Scc: "SCC", Dfxp: "DFXP", EbuStl: "EBU STL" };

function size(bytes) {
  if (bytes == null) return "";
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes, unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${value.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

// Vendors report progress on their own scale (Panjaya's sandbox 0-100); a figure of 1 or less is
// read as a fraction. A guess, shown as a number only, never used for any decision.
function percent(progress) {
  if (progress == null) return null;
  return Math.round(progress <= 1 ? progress * 100 : progress);
}

function StatusBadge({ cell }) {
  return h(C.Badge, { colorPalette: STATUS_COLORS[cell.status] || "gray", variant: "subtle", size: "sm" }, cell.label);
}

// A file's name (or its path in the run folder, where names repeat), size, checksum and download link.
function FileLinks({ files, paths }) {
  if (!files || !files.length) return null;
  return h(C.Stack, { gap: 0.5, mt: 1 }, files.map((file) =>
    h(C.HStack, { key: file.path || file.name, gap: 2, fontSize: "xs", color: "fg.muted" },
      file.url
        ? h(C.Link, {
          href: url(file.url + "?download=true"), colorPalette: "blue", "data-download": file.name, title: file.path,
        }, paths ? file.path : file.name)
        : h(C.Text, null, file.name || file.format),
      h(C.Text, null, size(file.bytes)),
      file.sha256 ? h(C.Code, { fontSize: "2xs", title: `SHA-256 ${file.sha256}` }, file.sha256.slice(0, 10)) : null,
    )));
}

function Cell({ cell, deliverable, locale }) {
  const detail = [];
  if (cell.status === "vendor") {
    const pct = percent(cell.progress);
    detail.push(h(C.Text, { key: "w", fontSize: "xs" },
      [cell.step === "preparing" ? "preparing" : null, cell.vendor_status].filter(Boolean).join(": ") || "waiting"));
    if (pct != null) {
      detail.push(h(C.Box, { key: "p", h: "4px", w: "100%", bg: "bg.muted", borderRadius: "full", mt: 1 },
        h(C.Box, { h: "4px", w: `${pct}%`, bg: "blue.500", borderRadius: "full" })));
    }
  }
  if (cell.status === "working" && cell.step) detail.push(h(C.Text, { key: "s", fontSize: "xs" }, cell.step));
  if (cell.status === "review" && cell.approval_url) {
    detail.push(h(C.Link, { key: "a", href: url(cell.approval_url), fontSize: "xs", colorPalette: "purple" }, "Review and approve →"));
  }
  if (cell.reason && cell.status !== "skipped") {
    detail.push(h(C.Text, {
      key: "r", fontSize: "xs", color: cell.status === "failed" ? "red.fg" : "fg.muted", "data-reason": "",
      maxW: "26rem", whiteSpace: "normal", wordBreak: "break-word",
    }, cell.reason));
  }
  if (cell.task_url && (cell.status === "failed" || cell.status === "vendor")) {
    detail.push(h(C.Link, { key: "t", href: url(cell.task_url), fontSize: "xs", color: "fg.muted" }, "task log"));
  }
  return h(C.Table.Cell, {
    verticalAlign: "top", "data-deliverable": deliverable, "data-locale": locale, "data-status": cell.status,
  }, h(C.Stack, { gap: 1, align: "flex-start" }, h(StatusBadge, { cell }), ...detail, h(FileLinks, { files: cell.files })));
}

function JobCell({ lang }) {
  const ids = Object.entries(lang.job_ids || {});
  return h(C.Table.Cell, { verticalAlign: "top" }, h(C.Stack, { gap: 0.5 },
    h(C.Text, { fontWeight: "medium", fontSize: "sm" }, VENDOR_NAMES[lang.vendor] || lang.vendor),
    ...ids.map(([name, value]) => h(C.Text, { key: name, fontSize: "2xs", color: "fg.muted", fontFamily: "mono" },
      `${name} ${String(value).slice(0, 13)}`)),
    lang.vendor_url ? h(C.Link, { href: lang.vendor_url, target: "_blank", rel: "noreferrer", fontSize: "xs", colorPalette: "blue" },
      `Open in ${VENDOR_NAMES[lang.vendor] || "vendor"} ↗`) : null,
    (lang.attempts || []).length > 1 ? h(C.Text, { fontSize: "2xs", color: "fg.muted" },
      "moved from " + lang.attempts.slice(0, -1).map((a) => VENDOR_NAMES[a.vendor] || a.vendor).join(", ")) : null));
}

function Player({ run, lang }) {
  const ref = React.useRef(null);
  return h(C.Box, { mt: 3, p: 3, borderWidth: "1px", borderRadius: "md", bg: "bg.subtle", "data-player": lang.locale },
    h(C.Flex, { gap: 4, wrap: "wrap", align: "flex-start" },
      h("video", {
        ref, controls: true, preload: "metadata", src: url(lang.player.video_url),
        style: { width: "min(560px, 100%)", borderRadius: "6px", background: "#000" },
        "data-video": lang.locale,
      }, lang.player.track_url ? h("track", {
        kind: "subtitles", srcLang: lang.locale.split("-")[0], label: lang.locale, default: true,
        src: url(lang.player.track_url),
      }) : null),
      h(C.Stack, { gap: 1, minW: "16rem" },
        h(C.Heading, { size: "sm" }, `${lang.locale} — ${run.title}`),
        h(C.Text, { fontSize: "xs", color: "fg.muted" },
          lang.player.track_url ? "Captions shown over the video (WebVTT)." : "No captions for this language."),
        h(FileLinks, {
          paths: true,
          files: [...(lang.video.files || []), ...Object.values(lang.captions).flatMap((c) => c.files || []), ...(lang.other_files || [])],
        }))));
}

function Matrix({ run }) {
  const [open, setOpen] = React.useState(null);
  const playing = run.languages.find((lang) => lang.locale === open && lang.player);
  return h(C.Box, { px: 4, pb: 4 },
    run.notice ? h(C.Text, { fontSize: "sm", color: "orange.fg", mb: 2 }, run.notice) : null,
    h(C.Table.Root, { size: "sm", variant: "outline", "data-matrix": run.run_id },
      h(C.Table.Header, null, h(C.Table.Row, null,
        h(C.Table.ColumnHeader, null, "Language"),
        h(C.Table.ColumnHeader, null, "Vendor / job"),
        h(C.Table.ColumnHeader, null, run.dag_id === "talking_head_video" ? "Presenter video" : "Dubbed video"),
        ...run.formats.map((fmt) => h(C.Table.ColumnHeader, { key: fmt }, `Captions · ${FORMAT_NAMES[fmt] || fmt}`)),
        h(C.Table.ColumnHeader, null, ""))),
      h(C.Table.Body, null, run.languages.map((lang) => h(C.Table.Row, { key: lang.locale, "data-language": lang.locale },
        h(C.Table.Cell, { verticalAlign: "top", fontWeight: "semibold" }, lang.locale),
        h(JobCell, { lang }),
        h(Cell, { cell: lang.video, deliverable: "video", locale: lang.locale }),
        ...run.formats.map((fmt) => h(Cell, { key: fmt, cell: lang.captions[fmt], deliverable: fmt, locale: lang.locale })),
        h(C.Table.Cell, { verticalAlign: "top", textAlign: "end" }, lang.player
          ? h(C.Button, {
            size: "xs", variant: open === lang.locale ? "solid" : "outline", colorPalette: "blue",
            onClick: () => setOpen(open === lang.locale ? null : lang.locale), "data-preview": lang.locale,
          }, open === lang.locale ? "Close" : "▶ Preview")
          : null))))),
    playing ? h(Player, { run, lang: playing }) : null);
}

function summary(run) {
  const counts = {};
  for (const lang of run.languages) counts[lang.video.status] = (counts[lang.video.status] || 0) + 1;
  return Object.entries(counts).map(([status, n]) =>
    h(C.Badge, { key: status, colorPalette: STATUS_COLORS[status] || "gray", variant: "outline", size: "sm" },
      `${n} ${status === "vendor" ? "at vendor" : status}`));
}

function RunCard({ run, expanded, toggle }) {
  return h(C.Box, { borderWidth: "1px", borderRadius: "lg", mb: 3, bg: "bg", "data-run": run.run_id, "data-dag": run.dag_id },
    h(C.Flex, { as: "button", type: "button", onClick: toggle, w: "100%", textAlign: "start", px: 4, py: 3, gap: 4, align: "center", wrap: "wrap", cursor: "pointer" },
      h(C.Text, { fontSize: "sm", color: "fg.muted", w: "1rem" }, expanded ? "▾" : "▸"),
      h(C.Stack, { gap: 0, flex: "1 1 18rem", minW: 0 },
        h(C.Text, { fontWeight: "semibold", "data-title": "" }, run.title),
        h(C.Text, { fontSize: "xs", color: "fg.muted", truncate: true, title: run.run_id },
          (run.source || run.run_id).replace(/^file:\/\//, ""))),
      h(C.Stack, { gap: 0, minW: "9rem" },
        h(C.Text, { fontSize: "xs", color: "fg.muted" }, run.dag_id === "talking_head_video" ? "Talking head" : "Dubbing"),
        h(C.Text, { fontSize: "sm" }, VENDOR_NAMES[run.vendor] || run.vendor)),
      h(C.Stack, { gap: 0, minW: "8rem" },
        h(C.Text, { fontSize: "xs", color: "fg.muted" }, "Requested by"),
        h(C.Text, { fontSize: "sm" }, run.requested_by || "—")),
      h(C.Stack, { gap: 0, minW: "10rem" },
        h(C.Text, { fontSize: "xs", color: "fg.muted" }, "Started"),
        h(C.Text, { fontSize: "sm" }, when(run.started))),
      h(C.HStack, { gap: 1, minW: "12rem", wrap: "wrap" }, ...summary(run)),
      h(C.Badge, { colorPalette: RUN_COLORS[run.state] || "gray", size: "md", "data-run-state": run.state }, run.state)),
    expanded ? h(Matrix, { run }) : null);
}

function Select({ label, value, options, onChange }) {
  return h(C.Stack, { gap: 0.5 },
    h(C.Text, { fontSize: "xs", color: "fg.muted" }, label),
    h("select", {
      value, onChange: (event) => onChange(event.target.value), "aria-label": label,
      style: { minWidth: "10rem", padding: "4px 8px", borderRadius: "6px", border: "1px solid var(--chakra-colors-border)", background: "var(--chakra-colors-bg)", color: "var(--chakra-colors-fg)" },
    }, h("option", { value: "" }, "All"), options.map((option) => h("option", { key: option, value: option }, option))));
}

function Board() {
  const [filters, setFilters] = React.useState({ state: "", vendor: "", language: "" });
  const [data, setData] = React.useState(null);
  const [error, setError] = React.useState(null);
  const [toggled, setToggled] = React.useState({});

  React.useEffect(() => {
    let stopped = false;
    let timer = null;
    const load = async () => {
      const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
      try {
        const response = await fetch(url(`vloc-board/api/runs?${query}`), { credentials: "same-origin" });
        if (!response.ok) throw new Error(`${response.status}: ${(await response.text()).slice(0, 300)}`);
        const body = await response.json();
        if (!stopped) { setData(body); setError(null); }
      } catch (caught) {
        if (!stopped) setError(String(caught.message || caught));
      }
      if (!stopped) timer = setTimeout(load, POLL_MS);
    };
    load();
    return () => { stopped = true; clearTimeout(timer); };
  }, [filters.state, filters.vendor, filters.language]);

  const runs = data ? data.runs : [];
  // The five newest runs and every run still going start open; a click opens or closes any run.
  const isOpen = (run, index) => (run.run_id in toggled ? toggled[run.run_id] : index < 5 || run.state === "running");
  return h(C.Box, { p: 6, maxW: "1500px", "data-board": "" },
    h(C.Flex, { align: "flex-end", gap: 6, wrap: "wrap", mb: 5 },
      h(C.Stack, { gap: 1, flex: "1 1 20rem" },
        h(C.Heading, { size: "xl" }, "Localization board"),
        h(C.Text, { color: "fg.muted", fontSize: "sm" },
          "Every language of every video: at the vendor, waiting for review, delivered or failed, with the files.")),
      h(Select, { label: "Run state", value: filters.state, options: (data && data.states) || [], onChange: (v) => setFilters({ ...filters, state: v }) }),
      h(Select, { label: "Vendor", value: filters.vendor, options: (data && data.vendors) || [], onChange: (v) => setFilters({ ...filters, vendor: v }) }),
      h(C.Box, null, h(Select, { label: "Language", value: filters.language, options: (data && data.languages) || [], onChange: (v) => setFilters({ ...filters, language: v }) })),
      h(C.Text, { fontSize: "xs", color: "fg.muted", minW: "9rem" }, data ? `Updated ${new Date(data.refreshed_at).toLocaleTimeString()}` : "Loading…")),
    error ? h(C.Box, { p: 3, mb: 4, borderRadius: "md", bg: "red.subtle", color: "red.fg", fontSize: "sm", "data-error": "" }, `The board could not load: ${error}`) : null,
    data && !runs.length ? h(C.Text, { color: "fg.muted" }, "No runs of localize_video or talking_head_video match.") : null,
    runs.map((run, index) => h(RunCard, {
      key: `${run.dag_id}/${run.run_id}`, run, expanded: isOpen(run, index),
      toggle: () => setToggled({ ...toggled, [run.run_id]: !isOpen(run, index) }),
    })));
}

globalThis.AirflowPlugin = Board;
export default Board;
