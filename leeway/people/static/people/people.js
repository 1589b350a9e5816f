// The member form: the initial password field matters only when "a password I set now" is chosen.
document.addEventListener("DOMContentLoaded", () => {
  const field = document.getElementById("password-field");
  const choices = document.querySelectorAll('input[name="access"]');
  if (!field || !choices.length) return;
  const update = () => {
    const chosen = document.querySelector('input[name="access"]:checked');
    field.hidden = !chosen || chosen.value !== "password";
  };
  for (const choice of choices) choice.addEventListener("change", update);
  update();
});
