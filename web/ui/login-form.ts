// The login page of system authentication: a centred card with the product and the host it logs in to,
// labelled fields, the server's refusal shown in place under them, a busy state while the answer comes and
// a Caps Lock hint. Posted once to api/login over the page's HTTPS connection; the password field is cleared
// as soon as the answer comes, right or wrong.
import { login } from '../connection/login-token.js';
import { PRODUCT, S } from '../strings.js';

/** Shows the form in `root` and resolves once a login succeeded (the token is then stored). */
export function showLoginForm(root: HTMLElement, message = ''): Promise<void> {
  return new Promise((resolve) => {
    const page = document.createElement('main');
    page.id = 'login-page';
    const form = document.createElement('form');
    form.id = 'login';
    form.autocomplete = 'on';
    form.noValidate = false;
    const brand = document.createElement('p');
    brand.className = 'brand';
    brand.textContent = PRODUCT;
    const heading = document.createElement('h1');
    heading.textContent = S.loginHeading;
    const host = document.createElement('p');
    host.className = 'host';
    host.textContent = S.loginTo(location.host);
    const user = field('username', 'text', S.userName, 'username');
    const password = field('password', 'password', S.password, 'current-password');
    const caps = document.createElement('p');
    caps.id = 'login-caps';
    caps.className = 'hint';
    caps.textContent = S.capsLockOn;
    caps.hidden = true;
    password.input.setAttribute('aria-describedby', 'login-caps login-message');
    const note = document.createElement('p');
    note.id = 'login-message';
    note.setAttribute('role', 'alert');
    note.textContent = message;
    const submit = document.createElement('button');
    submit.type = 'submit';
    submit.textContent = S.logIn;
    form.append(brand, heading, host, user.row, password.row, caps, note, submit);
    page.appendChild(form);
    root.appendChild(page);
    user.input.focus();

    const capsLock = (e: KeyboardEvent | MouseEvent): void => {
      if (typeof e.getModifierState === 'function') caps.hidden = !e.getModifierState('CapsLock');
    };
    for (const f of [user.input, password.input]) {
      f.addEventListener('keydown', capsLock);
      f.addEventListener('keyup', capsLock);
    }
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (form.getAttribute('aria-busy') === 'true') return;
      form.setAttribute('aria-busy', 'true');
      submit.disabled = true;
      note.textContent = S.checking;
      note.dataset['kind'] = 'busy';
      const credentials = { username: user.input.value, password: password.input.value };
      password.input.value = '';
      void login(credentials).then((r) => {
        form.removeAttribute('aria-busy');
        submit.disabled = false;
        if (r.ok) {
          page.remove();
          resolve();
        } else {
          note.textContent = r.error;
          note.dataset['kind'] = 'error';
          password.input.setAttribute('aria-invalid', 'true');
          password.input.focus();
        }
      });
    });
  });
}

function field(
  name: string,
  type: string,
  text: string,
  autocomplete: string,
): { row: HTMLElement; input: HTMLInputElement } {
  const row = document.createElement('div');
  row.className = 'field';
  const label = document.createElement('label');
  label.textContent = text;
  label.htmlFor = `login-${name}`;
  const input = document.createElement('input');
  input.name = name;
  input.id = `login-${name}`;
  input.type = type;
  input.required = true;
  input.autocomplete = autocomplete as AutoFill;
  input.spellcheck = false;
  input.autocapitalize = 'off';
  row.append(label, input);
  return { row, input };
}
