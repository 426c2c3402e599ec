// Hotline agent console: the one-click back-office steps. An action suggestion's button
// (agent.js fires an "agent-action" event with the suggestion) opens its form in
// #action-panel, prefilled from the suggestion's `prefill`: file a 12345 ticket, look up a
// bill, look up the caller's bookings. Reuses agent.js's $, el, button, api and copy.
// Keyboard: the first empty field gets the focus, Enter submits (Ctrl+Enter in the
// complaint text), Esc closes the panel.
"use strict";

(() => {
  const FORMS = { open_complaint: "complaint-form", lookup_bill: "bill-form", lookup_booking: "booking-form" };
  // Which field a refusal points at, so the agent lands where the fix goes.
  const ERROR_FIELDS = {
    invalid_phone: "complaint-phone",
    contact_missing: "complaint-phone",
    content_too_short: "complaint-content",
    unknown_category: "complaint-category",
  };
  let categoriesLoaded = false;
  let billTypesLoaded = false;
  let complaintKey = "";
  let opener = null;

  // One key per opened complaint form: a double click or a retry files one ticket.
  // crypto.getRandomValues, unlike randomUUID, also works on a plain-http intranet address.
  function newKey() {
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function showResult(id, text, isError) {
    const box = $(id);
    box.replaceChildren();
    box.classList.toggle("error", Boolean(isError));
    if (text) box.append(el("div", "answer", text));
  }

  function showAnswer(id, text) {
    showResult(id, text);
    const tools = el("div", "tools");
    tools.append(button("复制答案", () => copy(text, "答案")));
    $(id).append(tools);
  }

  function fields(form) {
    return Array.from(form.querySelectorAll("input:not([type=checkbox]), select, textarea"));
  }

  function focusFirstEmpty(form) {
    const empty = fields(form).find((field) => !field.value.trim());
    (empty || form.querySelector("button[type=submit]")).focus();
  }

  function fill(id, value) { $(id).value = value || ""; }

  async function loadCategories() {
    if (categoriesLoaded) return true;
    const { ok, data } = await api("GET", "/api/agent/complaints/categories");
    if (!ok) return false;
    const select = $("complaint-category");
    for (const item of data.categories) {
      const option = el("option", "", item.name + "（" + item.department + "）");
      option.value = item.category;
      select.append(option);
    }
    categoriesLoaded = true;
    return true;
  }

  async function openComplaint(prefill) {
    complaintKey = newKey();
    const form = $("complaint-form");
    delete form.dataset.done;
    form.querySelector("button[type=submit]").disabled = false;
    showResult("complaint-result", "");
    fill("complaint-content", prefill.content);
    fill("complaint-location", prefill.location);
    fill("complaint-phone", prefill.phone);
    fill("complaint-name", "");
    $("complaint-anonymous").checked = false;
    const loaded = await loadCategories();
    if (!loaded) showResult("complaint-result", "暂时取不到投诉类别，工单系统可能繁忙，请稍后再试。", true);
    fill("complaint-category", loaded ? prefill.category : "");
  }

  // The bill types come from the server's one bill-type table, so a new one needs no page change.
  async function loadBillTypes() {
    if (billTypesLoaded) return true;
    const { ok, data } = await api("GET", "/api/agent/bill-types");
    if (!ok) return false;
    const select = $("bill-type");
    for (const item of data.bill_types) {
      const option = el("option", "", item.name);
      option.value = item.bill_type;
      option.title = item.identifier + "：" + item.hint;
      select.append(option);
    }
    billTypesLoaded = true;
    return true;
  }

  async function openBill(prefill) {
    showResult("bill-result", "");
    const loaded = await loadBillTypes();
    if (!loaded) showResult("bill-result", "暂时取不到账单类型，请稍后再试。", true);
    fill("bill-type", prefill.bill_type);
    fill("bill-account", prefill.account);
  }

  function openBooking(prefill) {
    showResult("booking-result", "");
    fill("booking-phone", prefill.phone);
  }

  async function open(suggestion, trigger) {
    const formId = FORMS[suggestion.id];
    if (!formId) return;
    opener = trigger;
    const prefill = suggestion.prefill || {};
    for (const id of Object.values(FORMS)) $(id).hidden = id !== formId;
    $("action-title").textContent = suggestion.title;
    $("action-panel").hidden = false;
    if (formId === "complaint-form") await openComplaint(prefill);
    else if (formId === "bill-form") openBill(prefill);
    else openBooking(prefill);
    $("action-panel").scrollIntoView({ block: "nearest" });
    focusFirstEmpty($(formId));
  }

  function close() {
    $("action-panel").hidden = true;
    const back = opener && opener.isConnected ? opener : $("text");
    opener = null;
    if (!$("console").hidden) back.focus();
  }

  async function submit(form, run) {
    const submitButton = form.querySelector("button[type=submit]");
    if (submitButton.disabled) return;
    submitButton.disabled = true;
    try {
      await run();
    } catch (_) {
      showResult(form.querySelector(".result").id, "网络不通，请稍后再试。", true);
    } finally {
      if (!form.dataset.done) submitButton.disabled = false;
    }
  }

  async function fileComplaint() {
    const form = $("complaint-form");
    if (!$("complaint-category").value) {
      showResult("complaint-result", "请选择投诉类别。", true);
      $("complaint-category").focus();
      return;
    }
    showResult("complaint-result", "提交中…");
    const body = {
      category: $("complaint-category").value,
      content: $("complaint-content").value,
      location: $("complaint-location").value,
      name: $("complaint-name").value,
      phone: $("complaint-phone").value,
      anonymous: $("complaint-anonymous").checked,
    };
    const { ok, data } = await api("POST", "/api/agent/complaints", body, undefined, { "Idempotency-Key": complaintKey });
    if (!ok) {
      showResult("complaint-result", data.message || "提交失败，请稍后再试。", true);
      const field = ERROR_FIELDS[data.error];
      if (field) $(field).focus();
      return;
    }
    // Filed: the button stays off until the form is opened again, so nothing is filed twice.
    form.dataset.done = "1";
    const box = $("complaint-result");
    showResult("complaint-result", data.message);
    const ticket = el("div", "ticket-id", data.ticket_id);
    const tools = el("div", "tools");
    const copyTicket = button("复制工单号", () => copy(data.ticket_id, "工单号"));
    tools.append(copyTicket);
    box.prepend(el("div", "meta", "工单号"), ticket);
    box.append(tools);
    copyTicket.focus();
  }

  async function lookupBill() {
    if (!$("bill-type").value) {
      showResult("bill-result", "请选择账单类型。", true);
      $("bill-type").focus();
      return;
    }
    showResult("bill-result", "查询中…");
    const body = {
      bill_type: $("bill-type").value,
      account: $("bill-account").value,
      reason: $("bill-reason").value,
    };
    const { ok, data } = await api("POST", "/api/agent/lookup/bill", body);
    if (ok) showAnswer("bill-result", data.text);
    else showResult("bill-result", data.message || "查询失败，请稍后再试。", true);
  }

  async function lookupBookings() {
    showResult("booking-result", "查询中…");
    const body = { phone: $("booking-phone").value, reason: $("booking-reason").value };
    const { ok, data } = await api("POST", "/api/agent/lookup/bookings", body);
    if (ok) showAnswer("booking-result", data.text);
    else showResult("booking-result", data.message || "查询失败，请稍后再试。", true);
  }

  const handlers = { "complaint-form": fileComplaint, "bill-form": lookupBill, "booking-form": lookupBookings };
  for (const [id, run] of Object.entries(handlers)) {
    $(id).addEventListener("submit", (event) => {
      event.preventDefault();
      submit($(id), run);
    });
  }

  document.addEventListener("agent-action", (event) => {
    const trigger = document.activeElement instanceof HTMLButtonElement ? document.activeElement : null;
    open(event.detail, trigger);
  });

  $("complaint-content").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      $("complaint-form").requestSubmit();
    }
  });

  // Esc from inside the panel, or with nothing focused (after a click on a disabled button).
  document.addEventListener("keydown", (event) => {
    const panel = $("action-panel");
    if (event.key !== "Escape" || panel.hidden) return;
    if (!panel.contains(event.target) && event.target !== document.body) return;
    event.preventDefault();
    close();
  });
  $("action-close").addEventListener("click", close);
  $("logout").addEventListener("click", close);
})();
