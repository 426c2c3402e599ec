// Hotline agent console: login, live suggestions while the agent types, copy and feedback.
// Plain JS, no build step; every text goes through textContent, never innerHTML.
"use strict";

const DEBOUNCE_MS = 250;
const PART_LABELS = { materials: "材料", steps: "步骤", fee: "费用", where: "地点", hours: "时间" };
const KIND_LABELS = { guide: "办事指南", faq: "常见问题", action: "操作" };

const $ = (id) => document.getElementById(id);
let timer = null;
let pending = null;
let lastText = "";

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, onClick, title) {
  const node = el("button", "", label);
  node.type = "button";
  if (title) node.title = title;
  node.addEventListener("click", onClick);
  return node;
}

async function api(method, path, body, signal, headers) {
  const response = await fetch(path, {
    method,
    signal,
    credentials: "same-origin",
    headers: { ...(body ? { "Content-Type": "application/json" } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  let data = {};
  try { data = await response.json(); } catch (_) { /* empty or non-JSON body */ }
  // A session that expires mid-work sends the agent back to the login form with the reason;
  // the first check on opening the page just shows the form.
  if (response.status === 401 && path !== "/api/agent/login" && path !== "/api/agent/me") showLogin(data.message);
  return { ok: response.ok, status: response.status, data };
}

function setStatus(text) { $("status").textContent = text || ""; }

function showLogin(message) {
  $("console").hidden = true;
  $("who").hidden = true;
  $("logout").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
  $("user").focus();
}

function showConsole(user) {
  $("login").hidden = true;
  $("console").hidden = false;
  $("who").hidden = false;
  $("logout").hidden = false;
  $("who").textContent = "坐席：" + user;
  $("text").focus();
}

async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    setStatus("已复制" + (what || "") + "。");
  } catch (_) {
    setStatus("复制失败，请手动选中文字复制。");
  }
}

async function sendFeedback(suggestionId, helpful, pressed, other) {
  const { ok } = await api("POST", "/api/agent/feedback", { text: lastText, suggestion_id: suggestionId, helpful });
  if (ok) {
    pressed.setAttribute("aria-pressed", "true");
    other.setAttribute("aria-pressed", "false");
    setStatus(helpful ? "已记录：有用。" : "已记录：不对，会转给知识库维护人员。");
  } else {
    setStatus("反馈未能保存，请稍后再试。");
  }
}

function renderNlu(intent, entities) {
  const box = $("nlu");
  box.replaceChildren();
  const line = el("div", "", "意图：");
  line.append(intent.name
    ? el("span", "tag", intent.name + "（" + Math.round(intent.confidence * 100) + "%）")
    : el("span", "meta", "暂无（语义服务不可用）"));
  box.append(line);
  const entityLine = el("div", "", "要素：");
  if (!entities.length) entityLine.append(el("span", "meta", "无"));
  for (const entity of entities) entityLine.append(el("span", "tag", entity.entity + "：" + entity.value));
  box.append(entityLine);
}

function renderCard(suggestion) {
  const card = el("article", "card " + suggestion.kind);
  card.append(el("h3", "", suggestion.title));
  card.append(el("div", "meta",
    KIND_LABELS[suggestion.kind] + " · 编号 " + suggestion.id + " · 得分 " + suggestion.score.toFixed(2)));
  card.append(el("div", "answer", suggestion.answer));
  const tools = el("div", "tools");
  tools.append(button("复制答案", () => copy(suggestion.answer, "答案")));
  const good = button("有用", () => sendFeedback(suggestion.id, true, good, bad));
  const bad = button("不对", () => sendFeedback(suggestion.id, false, bad, good));
  good.setAttribute("aria-pressed", "false");
  bad.setAttribute("aria-pressed", "false");
  tools.append(good, bad);
  card.append(tools);
  for (const [aspect, text] of Object.entries(suggestion.parts || {})) {
    const part = el("div", "part", text);
    const partTools = el("div", "tools");
    partTools.append(button("复制" + (PART_LABELS[aspect] || aspect), () => copy(text, PART_LABELS[aspect])));
    card.append(part, partTools);
  }
  return card;
}

function render(data) {
  renderNlu(data.intent, data.entities);
  const actions = $("actions");
  const list = $("suggestions");
  actions.replaceChildren();
  list.replaceChildren();
  for (const suggestion of data.suggestions) {
    if (suggestion.kind === "action") {
      // agent-actions.js opens the step's form, prefilled from the suggestion.
      const open = button(suggestion.title,
        () => document.dispatchEvent(new CustomEvent("agent-action", { detail: suggestion })),
        "打开" + suggestion.title + "表单");
      open.dataset.action = suggestion.id;
      actions.append(open);
    } else {
      list.append(renderCard(suggestion));
    }
  }
  if (!list.children.length) list.append(el("p", "meta", "知识库里没有找到相近的内容。"));
}

async function suggestNow() {
  clearTimeout(timer);
  const text = $("text").value.trim();
  if (!text || text === lastText) return;
  if (pending) pending.abort();
  pending = new AbortController();
  setStatus("查询中…");
  try {
    const { ok, data } = await api("POST", "/api/agent/suggest", { text }, pending.signal);
    if (!ok) { setStatus(data.message || "查询失败，请稍后再试。"); return; }
    lastText = text;
    render(data);
    setStatus("");
  } catch (error) {
    if (error.name !== "AbortError") setStatus("网络不通，请稍后再试。");
  }
}

async function loadBad() {
  const { ok, data } = await api("GET", "/api/agent/feedback/bad?limit=50");
  const list = $("bad-list");
  list.replaceChildren();
  if (!ok) { list.append(el("li", "meta", data.message || "加载失败。")); return; }
  if (!data.items.length) list.append(el("li", "meta", "暂无。"));
  for (const item of data.items) {
    list.append(el("li", "", item.text + "（推荐了 " + item.suggestion_id + "，" + item.agent + "）"));
  }
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const { ok, data } = await api("POST", "/api/agent/login", { user: $("user").value.trim(), password: $("password").value });
  $("password").value = "";
  if (ok) showConsole(data.user); else $("login-error").textContent = data.message || "登录失败，请稍后再试。";
});

$("logout").addEventListener("click", async () => {
  await api("POST", "/api/agent/logout");
  lastText = "";
  showLogin("已退出登录。");
});

$("text").addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(suggestNow, DEBOUNCE_MS);
});

$("text").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    lastText = "";
    suggestNow();
  }
});

$("bad-box").addEventListener("toggle", () => { if ($("bad-box").open) loadBad(); });

(async () => {
  const { ok, status, data } = await api("GET", "/api/agent/me");
  if (ok) showConsole(data.user);
  else if (status === 503) { showLogin(data.message); $("login").querySelector("button").disabled = true; }
  else if (status === 401) showLogin();
  else showLogin("暂时无法连接，请稍后刷新页面。");
})();
