// The login page of system authentication: user name and password, posted once to api/login over the
// page's HTTPS connection; the form is cleared as soon as the answer comes, right or wrong.
import { login } from '../connection/login-token.js';

/** Shows the form in `root` and resolves once a login succeeded (the token is then stored). */
export function showLoginForm(root: HTMLElement, message = ''): Promise<void> {
  return new Promise((resolve) => {
    const form = document.createElement('form');
    form.id = 'login';
    form.autocomplete = 'on';
    const heading = document.createElement('h1');
    heading.textContent = 'Log in';
    const user = input('username', 'text', 'User name', 'username');
    const password = input('password', 'password', 'Password', 'current-password');
    const submit = document.createElement('button');
    submit.type = 'submit';
    submit.textContent = 'Log in';
    const note = document.createElement('p');
    note.id = 'login-message';
    note.setAttribute('role', 'alert');
    note.textContent = message;
    form.append(heading, user.label, password.label, submit, note);
    root.appendChild(form);
    user.field.focus();
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      submit.disabled = true;
      note.textContent = 'Checking…';
      const credentials = { username: user.field.value, password: password.field.value };
      password.field.value = '';
      void login(credentials).then((r) => {
        submit.disabled = false;
        if (r.ok) {
          form.remove();
          resolve();
        } else {
          note.textContent = r.error;
          password.field.focus();
        }
      });
    });
  });
}

function input(
  name: string,
  type: string,
  text: string,
  autocomplete: string,
): { label: HTMLLabelElement; field: HTMLInputElement } {
  const label = document.createElement('label');
  label.textContent = text;
  const field = document.createElement('input');
  field.name = name;
  field.id = `login-${name}`;
  field.type = type;
  field.required = true;
  field.autocomplete = autocomplete as AutoFill;
  field.spellcheck = false;
  label.appendChild(field);
  return { label, field };
}
