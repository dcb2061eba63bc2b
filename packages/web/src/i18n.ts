// UI strings in English, Arabic and Persian, the language picked from the browser (or the
// user's choice, kept in localStorage), and locale-aware dates and numbers.

export type Lang = 'en' | 'ar' | 'fa';
export const LANGS: ReadonlyArray<{ code: Lang; name: string }> = [
  { code: 'en', name: 'English' },
  { code: 'ar', name: 'العربية' },
  { code: 'fa', name: 'فارسی' },
];

const en = {
  appName: 'Majlis',
  tagline: 'Chat with your people.',
  login: 'Log in',
  register: 'Create account',
  identifier: 'Username or email',
  username: 'Username',
  usernameHint: '3–32 letters, digits, _ or .',
  email: 'Email',
  fullName: 'Full name (optional)',
  password: 'Password',
  passwordHint: 'At least 8 characters',
  remember: 'Keep me logged in on this device',
  toRegister: 'New here? Create an account',
  toLogin: 'Already have an account? Log in',
  working: 'Please wait…',
  language: 'Language',
  loading: 'Loading…',
  retry: 'Try again',
  dismiss: 'Dismiss',
  networkError: 'The server could not be reached. Check your connection and try again.',
  loggedOut: 'You were logged out. Please log in again.',
  chats: 'Chats',
  chatList: 'Your chats',
  newChat: 'New chat',
  newChatTitle: 'Start a direct chat',
  newChatHint: 'Enter their username or email.',
  startChat: 'Start chat',
  cancel: 'Cancel',
  noChats: 'No chats yet. Start one with someone’s username or email.',
  logout: 'Log out',
  you: 'You',
  photo: 'Photo',
  file: 'File',
  deleted: 'This message was deleted',
  noMessagesYet: 'No messages yet',
  unread: '{n} unread',
  online: 'online',
  lastSeen: 'last seen {time}',
  members: 'Members: {n}',
  typing: 'typing…',
  typingName: '{name} is typing…',
  typingMany: 'Several people are typing…',
  backToChats: 'Back to chats',
  loadOlder: 'Load older messages',
  beginning: 'This is the beginning of the conversation.',
  today: 'Today',
  yesterday: 'Yesterday',
  messageLabel: 'Message',
  messagePlaceholder: 'Write a message',
  send: 'Send',
  sending: 'Sending…',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  notSent: 'Not sent: {reason}',
  resend: 'Send again',
  edited: 'edited',
  forwarded: 'Forwarded',
  download: 'Download',
  messages: 'Messages',
  pickChat: 'Pick a chat, or start a new one.',
  newMessageFrom: 'New message from {name}',
  reconnecting: 'Connection lost. Reconnecting…',
  deletedUser: 'Deleted user',
};

export type Key = keyof typeof en;
type Dict = Record<Key, string>;

const ar: Dict = {
  appName: 'مجلس',
  tagline: 'تحدّث مع من تحب.',
  login: 'تسجيل الدخول',
  register: 'إنشاء حساب',
  identifier: 'اسم المستخدم أو البريد الإلكتروني',
  username: 'اسم المستخدم',
  usernameHint: 'من 3 إلى 32 حرفًا أو رقمًا أو _ أو .',
  email: 'البريد الإلكتروني',
  fullName: 'الاسم الكامل (اختياري)',
  password: 'كلمة المرور',
  passwordHint: '8 أحرف على الأقل',
  remember: 'إبقائي مسجّلًا على هذا الجهاز',
  toRegister: 'جديد هنا؟ أنشئ حسابًا',
  toLogin: 'لديك حساب؟ سجّل الدخول',
  working: 'يرجى الانتظار…',
  language: 'اللغة',
  loading: 'جارٍ التحميل…',
  retry: 'أعد المحاولة',
  dismiss: 'إغلاق',
  networkError: 'تعذّر الوصول إلى الخادم. تحقّق من اتصالك وأعد المحاولة.',
  loggedOut: 'تم تسجيل خروجك. يرجى تسجيل الدخول مجددًا.',
  chats: 'المحادثات',
  chatList: 'محادثاتك',
  newChat: 'محادثة جديدة',
  newChatTitle: 'ابدأ محادثة خاصة',
  newChatHint: 'أدخل اسم المستخدم أو البريد الإلكتروني.',
  startChat: 'ابدأ المحادثة',
  cancel: 'إلغاء',
  noChats: 'لا توجد محادثات بعد. ابدأ واحدة باسم مستخدم أو بريد إلكتروني.',
  logout: 'تسجيل الخروج',
  you: 'أنت',
  photo: 'صورة',
  file: 'ملف',
  deleted: 'حُذفت هذه الرسالة',
  noMessagesYet: 'لا توجد رسائل بعد',
  unread: '{n} غير مقروءة',
  online: 'متصل الآن',
  lastSeen: 'آخر ظهور {time}',
  members: 'الأعضاء: {n}',
  typing: 'يكتب…',
  typingName: '{name} يكتب…',
  typingMany: 'عدة أشخاص يكتبون…',
  backToChats: 'العودة إلى المحادثات',
  loadOlder: 'تحميل الرسائل الأقدم',
  beginning: 'هذه بداية المحادثة.',
  today: 'اليوم',
  yesterday: 'أمس',
  messageLabel: 'الرسالة',
  messagePlaceholder: 'اكتب رسالة',
  send: 'إرسال',
  sending: 'جارٍ الإرسال…',
  sent: 'أُرسلت',
  delivered: 'وصلت',
  read: 'قُرئت',
  notSent: 'لم تُرسل: {reason}',
  resend: 'أعد الإرسال',
  edited: 'معدّلة',
  forwarded: 'محوّلة',
  download: 'تنزيل',
  messages: 'الرسائل',
  pickChat: 'اختر محادثة أو ابدأ واحدة جديدة.',
  newMessageFrom: 'رسالة جديدة من {name}',
  reconnecting: 'انقطع الاتصال. جارٍ إعادة الاتصال…',
  deletedUser: 'مستخدم محذوف',
};

const fa: Dict = {
  appName: 'مجلس',
  tagline: 'با آدم‌هایتان گفتگو کنید.',
  login: 'ورود',
  register: 'ساخت حساب',
  identifier: 'نام کاربری یا ایمیل',
  username: 'نام کاربری',
  usernameHint: '۳ تا ۳۲ حرف، رقم، _ یا .',
  email: 'ایمیل',
  fullName: 'نام کامل (اختیاری)',
  password: 'گذرواژه',
  passwordHint: 'دست‌کم ۸ نویسه',
  remember: 'در این دستگاه وارد بمانم',
  toRegister: 'تازه آمده‌اید؟ حساب بسازید',
  toLogin: 'حساب دارید؟ وارد شوید',
  working: 'لطفاً صبر کنید…',
  language: 'زبان',
  loading: 'در حال بارگذاری…',
  retry: 'دوباره تلاش کنید',
  dismiss: 'بستن',
  networkError: 'به سرور دسترسی نیست. اتصال خود را بررسی کنید و دوباره تلاش کنید.',
  loggedOut: 'از حساب خارج شدید. لطفاً دوباره وارد شوید.',
  chats: 'گفتگوها',
  chatList: 'گفتگوهای شما',
  newChat: 'گفتگوی تازه',
  newChatTitle: 'شروع گفتگوی خصوصی',
  newChatHint: 'نام کاربری یا ایمیل او را بنویسید.',
  startChat: 'شروع گفتگو',
  cancel: 'انصراف',
  noChats: 'هنوز گفتگویی ندارید. با نام کاربری یا ایمیل کسی یکی را شروع کنید.',
  logout: 'خروج',
  you: 'شما',
  photo: 'عکس',
  file: 'فایل',
  deleted: 'این پیام حذف شد',
  noMessagesYet: 'هنوز پیامی نیست',
  unread: '{n} خوانده‌نشده',
  online: 'آنلاین',
  lastSeen: 'آخرین بازدید {time}',
  members: 'اعضا: {n}',
  typing: 'در حال نوشتن…',
  typingName: '{name} در حال نوشتن است…',
  typingMany: 'چند نفر در حال نوشتن‌اند…',
  backToChats: 'بازگشت به گفتگوها',
  loadOlder: 'بارگذاری پیام‌های قدیمی‌تر',
  beginning: 'این آغاز گفتگوست.',
  today: 'امروز',
  yesterday: 'دیروز',
  messageLabel: 'پیام',
  messagePlaceholder: 'پیامی بنویسید',
  send: 'ارسال',
  sending: 'در حال ارسال…',
  sent: 'ارسال شد',
  delivered: 'رسید',
  read: 'خوانده شد',
  notSent: 'ارسال نشد: {reason}',
  resend: 'ارسال دوباره',
  edited: 'ویرایش‌شده',
  forwarded: 'بازارسال‌شده',
  download: 'دریافت',
  messages: 'پیام‌ها',
  pickChat: 'گفتگویی را برگزینید یا گفتگوی تازه‌ای شروع کنید.',
  newMessageFrom: 'پیام تازه از {name}',
  reconnecting: 'اتصال قطع شد. در حال اتصال دوباره…',
  deletedUser: 'کاربر حذف‌شده',
};

const DICTS: Record<Lang, Dict> = { en, ar, fa };
const STORAGE_KEY = 'majlis.lang';

function storedLang(): Lang | null {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === 'en' || value === 'ar' || value === 'fa' ? value : null;
  } catch {
    return null;
  }
}

/** The first of the browser's languages that we have, else English; a stored choice wins. */
export function detectLang(languages: readonly string[] = navigator.languages?.length ? navigator.languages : [navigator.language]): Lang {
  const stored = storedLang();
  if (stored) {
    return stored;
  }
  for (const tag of languages) {
    const primary = tag.toLowerCase().split('-')[0];
    if (primary === 'en' || primary === 'ar' || primary === 'fa') {
      return primary;
    }
  }
  return 'en';
}

export let lang: Lang = detectLang();
/** The locale for Intl: the browser's own tag when it is of our language (fa-IR, ar-EG), else the language. */
let locale: string = lang;

function pickLocale(): string {
  const tags = navigator.languages?.length ? navigator.languages : [navigator.language];
  return tags.find((tag) => tag.toLowerCase().split('-')[0] === lang) ?? lang;
}

export function isRtl(l: Lang = lang): boolean {
  return l === 'ar' || l === 'fa';
}

/** Sets <html lang dir> for the current language. */
export function applyDocumentLang(): void {
  locale = pickLocale();
  document.documentElement.lang = lang;
  document.documentElement.dir = isRtl() ? 'rtl' : 'ltr';
  document.title = DICTS[lang].appName;
}

/** Switches language (kept for next time); the caller re-renders. */
export function setLang(next: Lang): void {
  lang = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // private mode: the choice lasts this page only
  }
  applyDocumentLang();
}

/** The string for `key` in the current language, with `{name}` placeholders filled. */
export function t(key: Key, params: Record<string, string | number> = {}): string {
  const text = DICTS[lang][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined ? whole : typeof value === 'number' ? formatNumber(value) : value;
  });
}

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(locale).format(n);
}

const dayKeyFormat = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' });

/** The local calendar day of a timestamp, as YYYY-MM-DD (for grouping). */
export function dayKey(iso: string): string {
  return dayKeyFormat.format(new Date(iso));
}

export function formatTime(iso: string): string {
  return new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** "Today", "Yesterday", or the date (in the locale's calendar: Persian for fa-IR). */
export function formatDay(iso: string, now = new Date()): string {
  const key = dayKey(iso);
  if (key === dayKey(now.toISOString())) {
    return t('today');
  }
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (key === dayKey(yesterday.toISOString())) {
    return t('yesterday');
  }
  const date = new Date(iso);
  const sameYear = date.getFullYear() === now.getFullYear();
  return new Intl.DateTimeFormat(locale, sameYear ? { weekday: 'long', month: 'long', day: 'numeric' } : { dateStyle: 'long' }).format(date);
}

/** A chat list stamp: the time today, the weekday this week, else a short date. */
export function formatStamp(iso: string, now = new Date()): string {
  const date = new Date(iso);
  if (dayKey(iso) === dayKey(now.toISOString())) {
    return formatTime(iso);
  }
  const days = (now.getTime() - date.getTime()) / 86_400_000;
  if (days < 6) {
    return new Intl.DateTimeFormat(locale, { weekday: 'short' }).format(date);
  }
  return new Intl.DateTimeFormat(locale, { dateStyle: 'short' }).format(date);
}

/** "today at 14:05" style, for last seen. */
export function formatWhen(iso: string): string {
  return `${formatDay(iso)} ${formatTime(iso)}`;
}
