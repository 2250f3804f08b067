// Saves a note through the Worker and shows the container's rendering.
document.getElementById("save").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const answer = await fetch(`/notes/${encodeURIComponent(form.get("id"))}`, { method: "PUT", body: form.get("text") });
  document.getElementById("note").textContent = await answer.text();
});
