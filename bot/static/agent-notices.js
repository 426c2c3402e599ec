"use strict";
// The console's 提醒记录 panel: which notices the caller got (POST /api/agent/notices), newest first.
(function () {
  const form = document.getElementById("notices-form");
  const list = document.getElementById("notices-list");
  const status = document.getElementById("notices-status");
  if (!form) return;

  function row(notice) {
    const item = document.createElement("li");
    const head = document.createElement("strong");
    head.textContent = [notice.created_at ? notice.created_at.slice(0, 16).replace("T", " ") : "",
      notice.channel_name, notice.title, notice.status_name].join(" · ");
    const text = document.createElement("div");
    text.textContent = notice.text + (notice.error ? "（" + notice.error + "）" : "");
    item.append(head, text);
    return item;
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    list.replaceChildren();
    status.textContent = "查询中…";
    const lookup = {
      phone: document.getElementById("notices-phone").value.trim(),
      reason: document.getElementById("notices-reason").value.trim(),
    };
    try {
      const response = await fetch("/api/agent/notices", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(lookup),
      });
      const body = await response.json();
      if (!response.ok) {
        status.textContent = body.message || "查询失败，请稍后再试。";
        return;
      }
      status.textContent = body.notices.length ? "共 " + body.notices.length + " 条（" + body.identifier + "）" : "这位市民还没有收到过提醒。";
      body.notices.forEach(function (notice) { list.appendChild(row(notice)); });
    } catch (error) {
      status.textContent = "网络不通，请稍后再试。";
    }
  });
})();
