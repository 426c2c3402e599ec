// The 12345 centre's page: supervisor login, period chooser (city time, UTC+8), scorecard with
// ECharts charts, unanswered-question groups, hotspots, CSV links. All text is set with
// textContent: what citizens wrote never becomes markup.
"use strict";

const $ = (id) => document.getElementById(id);
const CITY_OFFSET_MS = 8 * 3600 * 1000;
const CHANNELS = { all: "合计", web: "网页", wechat: "微信", alipay: "支付宝", other: "其他" };
const REASONS = {
  not_understood: "没听懂", unknown: "知识库没有", out_of_scope: "超出服务范围",
  clarify_declined: "给了选项都没选", agent_marked_wrong: "坐席标记答错",
};
const FIGURES = [
  ["conversations", "会话数"], ["messages", "市民消息数"], ["containment", "无需人工占比", "share"],
  ["handoffs", "转人工"], ["handoffs_requested", "其中市民要求"], ["handoffs_bot_failed", "其中连续没答上"],
  ["fallback_rate", "没答上比例", "share"], ["clarifications", "追问选项次数"],
  ["clarifications_first_choice", "选了第一项"], ["first_choice_rate", "第一项选中率", "share"],
  ["tickets", "投诉工单"], ["bookings", "预约"], ["payments", "缴费"], ["notices_sent", "已发通知"],
  ["median_reply_ms", "回复时间中位数", "ms"],
];
const KPIS = ["conversations", "messages", "containment", "handoffs", "fallback_rate", "first_choice_rate",
  "tickets", "bookings", "payments", "notices_sent", "median_reply_ms"];
let view = "scorecard";
const charts = {};

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function cityDate(offsetDays) {
  return new Date(Date.now() + CITY_OFFSET_MS + (offsetDays || 0) * 86400000).toISOString().slice(0, 10);
}

function cityTime(iso) {
  if (!iso) return "";
  return new Date(new Date(iso).getTime() + CITY_OFFSET_MS).toISOString().slice(0, 16).replace("T", " ");
}

function shown(value, kind) {
  if (value === null || value === undefined) return "—";
  if (kind === "share") return (value * 100).toFixed(1) + "%";
  if (kind === "ms") return value >= 1000 ? (value / 1000).toFixed(1) + " 秒" : value + " 毫秒";
  return String(value);
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method, credentials: "same-origin",
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  let data = {};
  try { data = await response.json(); } catch (_) { /* a body that is not JSON */ }
  return { ok: response.ok, status: response.status, data };
}

function setStatus(text) { $("status").textContent = text || ""; }

function showLogin(message) {
  $("board").hidden = true; $("who").hidden = true; $("logout").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
  $("user").focus();
}

function showBoard(user) {
  $("login").hidden = true; $("board").hidden = false;
  $("who").hidden = false; $("who").textContent = "督办：" + user;
  $("logout").hidden = false;
  load();
}

function query() {
  return "from=" + encodeURIComponent($("from").value) + "&to=" + encodeURIComponent($("to").value);
}

// Hotspots are counted back from now: the window reaches back to the chosen first day.
function hotspotDays() {
  const back = Math.round((Date.parse(cityDate()) - Date.parse($("from").value)) / 86400000) + 1;
  return Math.max(1, Math.min(90, back || 7));
}

function csvLinks() {
  for (const link of document.querySelectorAll("a.csv")) {
    const name = link.dataset.csv;
    link.href = "/api/ops/" + name + ".csv?" + (name === "hotspots" ? "days=" + hotspotDays() : query());
    link.setAttribute("download", name + ".csv");
  }
}

function table(node, header, rows) {
  node.replaceChildren();
  const head = el("tr");
  for (const title of header) head.append(el("th", "", title));
  node.append(el("thead")); node.tHead.append(head);
  const body = el("tbody");
  if (!rows.length) {
    const row = el("tr"); const cell = el("td", "empty", "这段时间没有数据。");
    cell.colSpan = header.length; row.append(cell); body.append(row);
  }
  for (const values of rows) {
    const row = el("tr");
    for (const value of values) row.append(value instanceof Node ? wrap(value) : el("td", "", value));
    body.append(row);
  }
  node.append(body);
}

function wrap(node) { const cell = el("td"); cell.append(node); return cell; }

function chart(id) {
  if (!charts[id]) charts[id] = echarts.init($(id), null, { renderer: "canvas" });
  return charts[id];
}

function drawScorecard(data) {
  const all = data.channels.all;
  const note = $("scorecard-note");
  note.hidden = data.source === "sqlite" || data.source === "postgresql";
  note.textContent = data.source === "redis"
    ? "对话记录保存在 Redis 中，会话类数字暂不统计；转人工、缴费、通知照常统计。"
    : "还没有任何对话记录。";
  const kpis = $("kpis"); kpis.replaceChildren();
  for (const key of KPIS) {
    const [, title, kind] = FIGURES.find((item) => item[0] === key);
    const card = el("div", "kpi");
    card.append(el("div", "kpi-value", shown(all[key], kind)), el("div", "kpi-title", title));
    kpis.append(card);
  }
  const channels = Object.keys(data.channels);
  table($("channels-table"), ["指标", ...channels.map((c) => CHANNELS[c] || c)],
    FIGURES.map(([key, title, kind]) => [title, ...channels.map((c) => shown(data.channels[c][key], kind))]));
  table($("days-table"), ["日期", ...FIGURES.map((f) => f[1])],
    data.days.map((day) => [day.date, ...FIGURES.map(([key, , kind]) => shown(day[key], kind))]));
  table($("categories-table"), ["投诉类别", "工单数"], data.ticket_categories.map((row) => [row.name, row.count]));
  chart("chart-trend").setOption({
    tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 40, right: 16, top: 32, bottom: 28 },
    xAxis: { type: "category", data: data.days.map((d) => d.date.slice(5)) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: "会话", type: "line", data: data.days.map((d) => d.conversations) },
      { name: "市民消息", type: "line", data: data.days.map((d) => d.messages) },
      { name: "转人工", type: "line", data: data.days.map((d) => d.handoffs) },
      { name: "没答上", type: "line", data: data.days.map((d) => d.fallbacks) },
    ],
  }, true);
  const categories = data.ticket_categories;
  chart("chart-categories").setOption({
    tooltip: { trigger: "axis" }, grid: { left: 96, right: 24, top: 16, bottom: 28 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: categories.map((c) => c.name) },
    series: [{ name: "工单", type: "bar", barMaxWidth: 28, data: categories.map((c) => c.count), label: { show: true, position: "right" } }],
    graphic: categories.length ? [] : [{ type: "text", left: "center", top: "middle", style: { text: "这段时间没有投诉工单", fill: "#5f6b7a", fontSize: 14 } }],
  }, true);
}

function drawUnanswered(data) {
  const list = $("clusters"); list.replaceChildren();
  if (!data.clusters.length) list.append(el("p", "empty", "这段时间没有没答上的问题。"));
  for (const cluster of data.clusters) {
    const card = el("article", "cluster " + cluster.suggestion);
    const head = el("div", "cluster-head");
    head.append(el("span", "count", cluster.count + " 次"));
    const advice = cluster.suggestion === "add_phrasings"
      ? "建议：加为条目「" + cluster.entry_question + "」（" + cluster.entry_id + "）的问法"
      : "建议：新建条目（最接近的是「" + cluster.entry_question + "」，相似度不够）";
    head.append(el("span", "advice", advice));
    head.append(el("span", "score", "相似度 " + cluster.entry_score.toFixed(2)));
    card.append(head);
    const examples = el("ul", "examples");
    for (const text of cluster.examples) examples.append(el("li", "", text));
    card.append(examples);
    const tags = el("div", "tags");
    for (const [reason, n] of Object.entries(cluster.reasons)) tags.append(el("span", "tag", (REASONS[reason] || reason) + " " + n));
    for (const [channel, n] of Object.entries(cluster.channels)) tags.append(el("span", "tag muted", (CHANNELS[channel] || (channel === "agent" ? "坐席" : channel)) + " " + n));
    tags.append(el("span", "tag muted", "最近 " + cityTime(cluster.last_at)));
    card.append(tags);
    for (const wrong of cluster.marked_wrong) {
      card.append(el("p", "wrong", "坐席标记答错：" + wrong.text + "（当时推荐 " + wrong.suggestion_id + "）"));
    }
    list.append(card);
  }
  table($("wrong-table"), ["时间", "坐席", "来电内容", "被标错的建议"],
    data.marked_wrong.map((row) => [cityTime(row.at), row.agent, row.text, row.suggestion_id]));
}

function drawHotspots(data) {
  table($("hotspots-table"), ["热点", "类别", "承办部门", "地点", "工单数", "热度", "最近", "工单号"],
    data.hotspots.map((h) => [h.title, h.category_name || h.category, h.department || "", h.place, h.count,
      h.heat.toFixed(1), cityTime(h.last_at), h.ticket_ids.join("、")]));
}

const VIEWS = {
  scorecard: { path: () => "/api/ops/scorecard?" + query(), draw: drawScorecard },
  unanswered: { path: () => "/api/ops/unanswered?" + query(), draw: drawUnanswered },
  hotspots: { path: () => "/api/ops/hotspots?days=" + hotspotDays(), draw: drawHotspots },
};

async function load() {
  csvLinks();
  setStatus("正在加载…");
  const { ok, status, data } = await api("GET", VIEWS[view].path());
  if (status === 401 || status === 403) { showLogin(data.message); return; }
  if (!ok) { setStatus(data.message || "加载失败，请稍后再试。"); return; }
  VIEWS[view].draw(data);
  for (const instance of Object.values(charts)) instance.resize();
  $("board").dataset.loaded = view;
  setStatus("已更新 " + cityTime(new Date().toISOString()).slice(11));
}

function selectView(name) {
  view = name;
  for (const tab of document.querySelectorAll("[role=tab]")) tab.setAttribute("aria-selected", String(tab.dataset.view === name));
  for (const key of Object.keys(VIEWS)) $("view-" + key).hidden = key !== name;
  delete $("board").dataset.loaded;
  load();
}

function tick() { $("clock").textContent = "示例市时间 " + cityTime(new Date().toISOString()); }

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const { ok, data } = await api("POST", "/api/agent/login", { user: $("user").value.trim(), password: $("password").value });
  $("password").value = "";
  if (ok) showBoard(data.user); else $("login-error").textContent = data.message || "登录失败，请稍后再试。";
});
$("logout").addEventListener("click", async () => { await api("POST", "/api/agent/logout"); showLogin("已退出登录。"); });
$("period").addEventListener("submit", (event) => { event.preventDefault(); load(); });
for (const button of document.querySelectorAll("[data-days]")) {
  button.addEventListener("click", () => {
    $("to").value = cityDate(); $("from").value = cityDate(1 - Number(button.dataset.days)); load();
  });
}
for (const tab of document.querySelectorAll("[role=tab]")) tab.addEventListener("click", () => selectView(tab.dataset.view));
window.addEventListener("resize", () => { for (const instance of Object.values(charts)) instance.resize(); });

(async () => {
  tick(); setInterval(tick, 30000);
  $("to").value = cityDate(); $("from").value = cityDate(-6);
  $("to").max = cityDate(); $("from").max = cityDate();
  const { ok, status, data } = await api("GET", "/api/agent/me");
  if (ok) showBoard(data.user);
  else if (status === 503) { showLogin(data.message); $("login").querySelector("button").disabled = true; }
  else if (status === 401) showLogin();
  else showLogin("暂时无法连接，请稍后刷新页面。");
})();
