// energysim what-if page: talks to the server's JSON routes only; no external resource.
"use strict";
const T = {
  cn: {choose: "选择情景（1–4 个） Scenarios (1–4)", choose_hint: "改动一个输入，里程碑表和图即时更新。",
       computing: "正在计算物理出力曲线… Computing physics profiles…", figures: "图 Figures",
       report: "下载当前视图的 HTML 报告 Download the HTML report", toml: "下载情景 TOML Download TOML",
       reset: "恢复文件值 Reset", year: "年份 Year", milestone: "里程碑 Milestone",
       cols: ["光伏装机 PV installed", "风电装机 Wind installed", "送出电量（年） Delivered (annual)",
              "减排CO2（年） Avoided CO2 (annual)", "减排CO2（累计） Avoided CO2 (cumulative)",
              "节约标煤（年） Coal avoided (annual)", "节约标煤（累计） Coal avoided (cumulative)"],
       targets: ["装机目标 Capacity target", "目标 Target", "已达 Reached", "完成度 Share"],
       differs: "与文件不同的输入 Inputs that differ from the file:", same: "与文件相同 Same as the file",
       recompute: "重算耗时 Recompute", lang: "English"},
  si: {choose: "Scenarios (1–4)", choose_hint: "Change an input; the milestone table and figures follow.",
       computing: "Computing physics profiles…", figures: "Figures",
       report: "Download the HTML report of this view", toml: "Download scenario TOML",
       reset: "Reset to file", year: "Year", milestone: "Milestone",
       cols: ["PV installed", "Wind installed", "Delivered (annual)", "Avoided CO2 (annual)",
              "Avoided CO2 (cumulative)", "Coal avoided (annual)", "Coal avoided (cumulative)"],
       targets: ["Capacity target", "Target", "Reached", "Share"],
       differs: "Inputs that differ from the file:", same: "Same as the file",
       recompute: "Recompute", lang: "中文"},
};
let units = "cn", session = null, catalogue = [], chosen = [0], lastVersion = -1, poll = null;
const errors = {};  // "slot|lever" -> message

async function api(path, body) {
  const sep = path.includes("?") ? "&" : "?";
  const url = `${path}${sep}units=${units}` + (body ? "" : `&session=${session}`);
  const opts = body ? {method: "POST", headers: {"Content-Type": "application/json"},
                       body: JSON.stringify({...body, session})} : {};
  const r = await fetch(url, opts);
  return r.json();
}

function text(el, s) { el.textContent = s; return el; }
function make(tag, cls, s) { const e = document.createElement(tag); if (cls) e.className = cls;
  if (s !== undefined) e.textContent = s; return e; }

function labels() {
  document.querySelectorAll("[data-t]").forEach(e => text(e, T[units][e.dataset.t]));
  text(document.getElementById("lang"), T[units].lang);
  document.documentElement.lang = units === "cn" ? "zh-CN" : "en";
  document.getElementById("report").href = `/api/report.html?session=${session}&units=${units}`;
}

function renderCatalogue() {
  const box = document.getElementById("catalogue");
  box.replaceChildren();
  catalogue.forEach(c => {
    const l = make("label"); const cb = make("input");
    cb.type = "checkbox"; cb.value = c.key; cb.checked = chosen.includes(c.key);
    cb.addEventListener("change", async () => {
      const keys = [...box.querySelectorAll("input:checked")].map(i => +i.value);
      if (keys.length < 1 || keys.length > 4) { cb.checked = !cb.checked; return; }
      chosen = keys; render(await api("/api/select", {keys}));
    });
    l.append(cb, " " + c.name); l.title = c.label + (c.description ? " — " + c.description : "");
    box.append(l);
  });
}

function leverInput(slotIndex, lever) {
  let input;
  if (lever.kind === "select") {
    input = make("select");
    lever.options.forEach(([v, cn, en]) => { const o = make("option", null, units === "cn" ? cn : en);
      o.value = v; input.append(o); });
    input.value = lever.value;
  } else {
    input = make("input"); input.type = "text"; input.inputMode = "decimal";
    input.value = lever.value === null ? "" : lever.value;
    const hint = units === "cn" ? lever.placeholder_cn : lever.placeholder_en;
    if (hint) input.placeholder = hint;  // a blank field's value (a storage pairing rule)
  }
  const refused = errors[`${slotIndex}|${lever.id}`];
  if (refused) { input.value = refused.value; input.classList.add("refused"); }
  input.name = lever.id; input.dataset.slot = slotIndex; input.dataset.lever = lever.id;
  if (lever.edited) input.classList.add("edited");
  input.addEventListener("change", async () => {
    const state = await api("/api/change", {slot: slotIndex, lever: lever.id, value: input.value});
    const key = `${slotIndex}|${lever.id}`;
    if (state.error) errors[key] = {message: state.error.message, value: input.value};
    else delete errors[key];
    render(state);
  });
  return input;
}

function render(state, keepInputs) {
  if (state.error && !state.slots) { alert(state.error); return; }
  const main = document.getElementById("slots");
  main.replaceChildren();
  state.slots.forEach((slot, i) => {
    const card = make("section", "slot" + (slot.computing ? " computing" : ""));
    card.dataset.name = slot.name;
    card.append(make("h2", null, slot.name), make("div", "hint", slot.label));
    const grid = make("div", "levers");
    slot.levers.forEach(lever => {
      const unit = units === "cn" ? lever.unit_cn : lever.unit_en;
      grid.append(make("label", null, units === "cn" ? `${lever.cn} ${lever.en}` : lever.en),
                  leverInput(i, lever), make("span", null, unit));
      const msg = errors[`${i}|${lever.id}`];
      if (msg) { const e = make("div", "err", msg.message); e.dataset.lever = lever.id; grid.append(e); }
    });
    card.append(grid);
    const diff = make("div", "diff");
    const shown = (lever, value) => {
      const option = (lever.options || []).find(o => o[0] === String(value));
      if (option && value !== "") return units === "cn" ? option[1] : option[2];
      if (value === "" || value === null) return lever.file_text || "—";
      return String(value);
    };
    diff.textContent = slot.diff.length ? T[units].differs + " " + slot.diff.map(d => {
      const lever = slot.levers.find(l => l.id === d.id);
      return `${units === "cn" ? d.cn + " " + d.en : d.en}: ${shown(lever, d.file)} → ` +
             shown(lever, d.value);
    }).join("; ") : T[units].same;
    card.append(diff);
    const table = make("table", "milestones");
    const head = make("tr");
    [T[units].year, T[units].milestone, ...T[units].cols].forEach(h => head.append(make("th", null, h)));
    table.append(head);
    slot.milestones.forEach(row => {
      const tr = make("tr"); tr.dataset.year = row.year;
      tr.append(make("td", "year", row.year), make("td", "year", row.label));
      row.cells.forEach(c => { const td = make("td", null, c.text); td.dataset.key = c.key;
        td.dataset.value = c.value; tr.append(td); });
      table.append(tr);
    });
    card.append(table);
    if (slot.targets.length) {
      const tt = make("table", "targets"); const h = make("tr");
      T[units].targets.forEach(x => h.append(make("th", null, x))); tt.append(h);
      slot.targets.forEach(t => { const tr = make("tr");
        [t.label, t.target, t.reached, t.share].forEach(x => tr.append(make("td", null, x)));
        tt.append(tr); });
      card.append(tt);
    }
    const actions = make("div");
    const dl = make("a", null, T[units].toml); dl.href = `/api/scenario/${i}.toml?session=${session}`;
    dl.className = "download-toml"; dl.setAttribute("download", `${slot.name}.toml`);
    const rs = make("button", null, T[units].reset); rs.type = "button";
    rs.addEventListener("click", async () => {
      Object.keys(errors).filter(k => k.startsWith(i + "|")).forEach(k => delete errors[k]);
      render(await api("/api/reset", {slot: i}));
    });
    actions.append(dl, " ", rs);
    if (slot.ms !== null) actions.append(" ", make("span", "ms", `${T[units].recompute}: ${slot.ms} ms`));
    card.append(actions);
    main.append(card);
  });
  document.getElementById("progress").hidden = !state.computing;
  document.body.dataset.version = state.version;
  document.body.dataset.computing = state.computing;
  if (state.version !== lastVersion || keepInputs === "figures") {
    lastVersion = state.version;
    ["capacity", "generation", "cumulative_avoided_co2", "typical_day"].forEach(n => {
      document.getElementById(`fig-${n}`).src =
        `/api/figure/${n}.png?session=${session}&units=${units}&v=${state.version}`;
    });
  }
  clearTimeout(poll);
  if (state.computing) poll = setTimeout(async () => render(await api("/api/state")), 400);
}

document.getElementById("lang").addEventListener("click", async () => {
  units = units === "cn" ? "si" : "cn"; labels(); renderCatalogue();
  Object.keys(errors).forEach(k => delete errors[k]);
  render(await api("/api/state"), "figures");
});

(async () => {
  session = (await api("/api/session", {})).session;
  catalogue = await (await fetch("/api/catalogue")).json();
  labels(); renderCatalogue();
  render(await api("/api/select", {keys: chosen}));
})();
