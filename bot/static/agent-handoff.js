// Hotline agent console: the queue of chats handed over by the bot, and the open chat.
// Polls /api/agent/handoffs while the console is shown (the poll also tells citizens that an
// agent is online); an agent claims a chat, answers it, and hands it back with "结束会话".
"use strict";

(function () {
  const POLL_MS = 2000;
  const CHANNELS = { web: "网页", wechat: "微信", alipay: "支付宝" };
  const REASONS = { requested: "市民要求转人工", bot_failed: "机器人两次没答上" };
  const AUTHORS = { citizen: "市民", bot: "机器人", agent: "坐席", system: "系统" };
  const byId = (id) => document.getElementById(id);
  let openId = null;
  let openCursor = 0;
  let me = null;

  function node(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  }

  async function call(method, path, body) {
    const response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    let data = {};
    try { data = await response.json(); } catch (_) { /* empty body */ }
    return { ok: response.ok, status: response.status, data };
  }

  function say(text) { byId("handoff-status").textContent = text || ""; }

  function waited(since) {
    const minutes = Math.floor((Date.now() - new Date(since).getTime()) / 60000);
    return minutes < 1 ? "刚刚" : minutes + "分钟前";
  }

  function renderQueue(items) {
    const list = byId("handoff-queue");
    list.replaceChildren();
    const waiting = items.filter((item) => item.status === "queued").length;
    byId("handoff-count").textContent = String(waiting);
    document.title = (waiting ? "(" + waiting + ") " : "") + "12345 坐席助手";
    if (!items.length) list.appendChild(node("li", "empty", "暂无转人工的会话。"));
    items.forEach((item) => {
      const row = node("li", item.id === openId ? "open" : "");
      row.dataset.handoffId = String(item.id);
      const head = node("div", "meta",
        (CHANNELS[item.channel] || item.channel) + " · " + (REASONS[item.reason] || item.reason) + " · " + waited(item.created_at) +
        (item.status === "claimed" ? " · 坐席 " + item.agent + " 接待中" : " · 等待接入"));
      const last = node("div", "last", item.last_message || "（还没有留言）");
      const open = node("button", "handoff-open", item.id === openId ? "已打开" : "查看");
      open.type = "button";
      open.addEventListener("click", () => openChat(item.id));
      row.append(head, last, open);
      list.appendChild(row);
    });
  }

  function renderMessages(messages) {
    const log = byId("handoff-log");
    messages.forEach((message) => {
      const item = node("li", "from-" + message.author);
      const who = message.author === "agent" ? "坐席 " + message.agent : AUTHORS[message.author] || message.author;
      item.appendChild(node("span", "who", who));
      const text = node("span", "text", message.text);
      if (message.author === "citizen") {
        text.title = "点击：用这句话查建议";
        text.addEventListener("click", () => {
          const input = byId("text");
          input.value = message.text;
          input.dispatchEvent(new Event("input"));
        });
      }
      item.appendChild(text);
      log.appendChild(item);
      openCursor = Math.max(openCursor, message.id);
    });
    if (messages.length) log.scrollTop = log.scrollHeight;
  }

  function renderChatState(handoff) {
    const mine = handoff.status === "claimed" && handoff.agent === me;
    byId("handoff-title").textContent = (CHANNELS[handoff.channel] || handoff.channel) + "会话 #" + handoff.id +
      (handoff.status === "closed" ? "（已结束）" : handoff.status === "claimed" ? "（坐席 " + handoff.agent + " 接待中）" : "（等待接入）");
    byId("handoff-claim").hidden = handoff.status !== "queued";
    byId("handoff-close").hidden = !mine;
    byId("handoff-reply-form").hidden = !mine;
  }

  async function openChat(id) {
    openId = id;
    openCursor = 0;
    byId("handoff-log").replaceChildren();
    byId("handoff-chat").hidden = false;
    say("");
    await refreshChat();
    if (!byId("handoff-claim").hidden) byId("handoff-claim").focus();
  }

  async function refreshChat() {
    if (openId === null) return;
    const { ok, data } = await call("GET", "/api/agent/handoffs/" + openId + "?after=" + openCursor);
    if (!ok) { say(data.message || "会话加载失败，请稍后再试。"); return; }
    renderChatState(data.handoff);
    renderMessages(data.messages);
  }

  async function claim() {
    const { ok, data } = await call("POST", "/api/agent/handoffs/" + openId + "/claim");
    say(ok ? "已接入，市民会收到“人工客服已接入”。" : data.message || "接入失败，请稍后再试。");
    await refreshChat();
    if (ok) byId("handoff-reply").focus();
  }

  async function reply(event) {
    event.preventDefault();
    const box = byId("handoff-reply");
    const text = box.value.trim();
    if (!text) return;
    const { ok, data } = await call("POST", "/api/agent/handoffs/" + openId + "/reply", { text });
    if (ok) {
      box.value = "";
      say(data.message || (data.handoff.status === "closed" ? "会话已结束，已交回智能助手。" : "已发送。"));
    } else {
      say(data.message || "发送失败，请稍后再试。");
    }
    await refreshChat();
  }

  async function close() {
    const { ok, data } = await call("POST", "/api/agent/handoffs/" + openId + "/close");
    say(ok ? "会话已结束，已交回智能助手。" : data.message || "结束失败，请稍后再试。");
    await refreshChat();
  }

  async function poll() {
    if (!byId("console").hidden) {
      try {
        if (me === null) {
          const who = await call("GET", "/api/agent/me");
          if (who.ok) me = who.data.user;
        }
        const { ok, data } = await call("GET", "/api/agent/handoffs");
        if (ok) renderQueue(data.items);
        await refreshChat();
      } catch (_) {
        say("网络中断，正在重试…");
      }
    } else {
      me = null;
    }
    setTimeout(poll, POLL_MS);
  }

  byId("handoff-claim").addEventListener("click", claim);
  byId("handoff-close").addEventListener("click", close);
  byId("handoff-reply-form").addEventListener("submit", reply);
  byId("handoff-reply").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) reply(event);
  });
  poll();
})();
