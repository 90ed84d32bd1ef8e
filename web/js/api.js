// The one API client: bearer token, JSON in and out, errors as {code, message}.
const KEY = 'lifelong.token';

export const session = {
  get token() { return sessionStorage.getItem(KEY) || ''; },
  set token(t) { t ? sessionStorage.setItem(KEY, t) : sessionStorage.removeItem(KEY); },
};

export class ApiError extends Error {
  constructor(status, code, message, field, fields) {
    super(message);
    this.status = status; this.code = code; this.field = field;
    this.fields = fields || []; // every field at fault, when a form is checked as a whole
  }
  // The gateway refused the token (no code from our functions) or the session ended.
  get signedOut() {
    return (this.status === 401 && ['', 'unauthenticated', 'session_ended'].includes(this.code)) ||
      (this.status === 403 && this.code === '') || this.code === 'account_disabled';
  }
}

const gatewayMessages = {
  401: '尚未登入或登入已逾時，請重新登入。',
  403: '登入憑證無效或已逾時，請重新登入。',
  404: '找不到這個功能。',
  413: '送出的資料過大。',
  500: '系統發生錯誤，請稍後再試。',
};

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (session.token) headers.Authorization = 'Bearer ' + session.token;
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', '無法連線到伺服器，請檢查網路後再試。');
  }
  if (resp.status === 204) return null;
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!resp.ok) {
    const code = data && data.code || '';
    const message = (data && code && data.message) || gatewayMessages[resp.status] || `錯誤 ${resp.status}`;
    throw new ApiError(resp.status, code, message, data && data.field, data && data.fields);
  }
  return data;
}

// download fetches a file the API serves (with the bearer token) and saves it.
export async function download(path, filename) {
  const resp = await fetch(path, { headers: { Authorization: 'Bearer ' + session.token } });
  if (!resp.ok) {
    let data = null;
    try { data = await resp.json(); } catch { /* not JSON */ }
    throw new ApiError(resp.status, data?.code || '', data?.message || gatewayMessages[resp.status] || `錯誤 ${resp.status}`);
  }
  const url = URL.createObjectURL(await resp.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
