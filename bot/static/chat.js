"use strict";
// Web chat: keeps a random browser id, posts to /api/chat, renders text and numbered buttons.
// While a hotline agent has the chat, it fetches what the agent writes from /api/chat/updates.
(function () {
  const POLL_MS = 2000;
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const sendButton = form.querySelector("button");
  let sender = localStorage.getItem("citizen-chat-id");
  if (!sender) {
    sender = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/[^a-zA-Z0-9-]/g, "");
    localStorage.setItem("citizen-chat-id", sender);
  }
  let cursor = 0;
  let pollTimer = null;

  function bubble(text, who) {
    const div = document.createElement("div");
    div.className = "msg " + who;
    div.textContent = text;
    log.appendChild(div);
    reveal(div);
    return div;
  }

  // Called once a message is complete (buttons included): the whole reply is shown, and a reply
  // taller than the screen is shown from its start, so the first lines are read first.
  function reveal(div) {
    if (div.offsetHeight > log.clientHeight) {
      log.scrollTop = div.offsetTop - log.offsetTop;
    } else {
      log.scrollTop = log.scrollHeight;
    }
  }

  // Choices of earlier replies no longer apply once the citizen has moved on.
  function retireChoices() {
    log.querySelectorAll(".choices:not(.stale)").forEach(function (choices) {
      choices.classList.add("stale");
      choices.querySelectorAll("button").forEach(function (choice) { choice.disabled = true; });
    });
  }

  function renderAgentMessage(message) {
    const fromAgent = message.custom.author === "agent";
    const div = bubble(message.text, fromAgent ? "bot agent" : "bot system");
    if (fromAgent) {
      const label = document.createElement("span");
      label.className = "who";
      label.textContent = "人工客服";
      div.prepend(label);
    }
  }

  async function poll() {
    pollTimer = null;
    try {
      const response = await fetch("/api/chat/updates?sender=" + encodeURIComponent(sender) + "&after=" + cursor);
      const body = await response.json();
      (body.messages || []).forEach(renderAgentMessage);
      cursor = Math.max(cursor, body.cursor || 0);
      if (!body.handoff) return;
    } catch (error) {
      // the network may come back; keep asking
    }
    pollTimer = setTimeout(poll, POLL_MS);
  }

  function followHandoff(custom) {
    if (!custom || !custom.handoff) return;
    if (custom.handoff_cursor !== undefined) cursor = Math.max(cursor, custom.handoff_cursor);
    if (custom.handoff === "closed") {
      clearTimeout(pollTimer);
      pollTimer = null;
    } else if (!pollTimer) {
      pollTimer = setTimeout(poll, POLL_MS);
    }
  }

  function renderBotMessage(message) {
    followHandoff(message.custom);
    const div = bubble(message.text || "", message.custom && message.custom.error ? "bot error" : "bot");
    if (message.buttons && message.buttons.length) {
      const choices = document.createElement("div");
      choices.className = "choices";
      message.buttons.forEach(function (button, index) {
        const choice = document.createElement("button");
        choice.type = "button";
        choice.textContent = (index + 1) + ". " + button.title;
        choice.addEventListener("click", function () { send(button.payload, button.title); });
        choices.appendChild(choice);
      });
      div.appendChild(choices);
    }
    if (message.image) {
      const image = document.createElement("img");
      image.src = message.image;
      image.alt = "";
      image.style.maxWidth = "100%";
      image.addEventListener("load", function () { reveal(div); });
      div.appendChild(image);
    }
    reveal(div);
  }

  // `shown` is what the citizen sees as their own words; null sends without a bubble (the
  // greeting the page asks for itself is not something the citizen typed).
  async function send(message, shown) {
    retireChoices();
    if (shown !== null) bubble(shown || message, "user");
    sendButton.disabled = true;
    try {
      const response = await fetch("/api/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: sender, message: message }),
      });
      const body = await response.json();
      (body.messages || [{ text: body.message || "系统正忙，请稍后再试。" }]).forEach(renderBotMessage);
    } catch (error) {
      renderBotMessage({ text: "网络不太好，请稍后再试，或拨打12345市民服务热线。", custom: { error: "network" } });
    } finally {
      sendButton.disabled = false;
      input.focus();
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });

  // Proactive notices (a bill coming due, a ticket's progress...) that arrived while the page was
  // closed: each is shown once, when the citizen comes back.
  async function showNotices() {
    try {
      const response = await fetch("/api/chat/notices?sender=" + encodeURIComponent(sender));
      const body = await response.json();
      (body.notices || []).forEach(function (notice) { bubble(notice.text, "bot system notice"); });
    } catch (error) {
      // notices are a courtesy; the chat works without them
    }
  }

  async function start() {
    await showNotices();
    try {
      const response = await fetch("/api/chat/updates?sender=" + encodeURIComponent(sender) + "&after=-1");
      const body = await response.json();
      cursor = body.cursor || 0;
      if (body.handoff) {
        bubble("您正在与人工客服对话，请直接输入。回复“结束”可回到智能助手。", "bot system");
        pollTimer = setTimeout(poll, POLL_MS);
        return;
      }
    } catch (error) {
      // without updates the bot still answers
    }
    send("你好", null);
  }

  start();
})();
