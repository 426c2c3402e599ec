"use strict";
// Web chat: keeps a random browser id, posts to /api/chat, renders text and numbered buttons.
(function () {
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const sendButton = form.querySelector("button");
  let sender = localStorage.getItem("citizen-chat-id");
  if (!sender) {
    sender = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).replace(/[^a-zA-Z0-9-]/g, "");
    localStorage.setItem("citizen-chat-id", sender);
  }

  function bubble(text, who) {
    const div = document.createElement("div");
    div.className = "msg " + who;
    div.textContent = text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }

  function renderBotMessage(message) {
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
      div.appendChild(image);
    }
  }

  async function send(message, shown) {
    bubble(shown || message, "user");
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

  send("你好");
})();
