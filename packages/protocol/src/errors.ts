/**
 * The error catalog: every error Majlis reports over HTTP or WebSocket has a stable `code` here.
 * Codes are never reused or renamed (clients switch on them); add new ones at the end of a group.
 * `detail` templates may hold `{name}` placeholders filled from the error's params.
 */
export type Language = 'en' | 'ar' | 'fa';
export const LANGUAGES: readonly Language[] = ['en', 'ar', 'fa'];

export interface ErrorDefinition {
  status: number;
  title: string;
  detail: Record<Language, string>;
}

function def(status: number, title: string, en: string, ar: string, fa: string): ErrorDefinition {
  return { status, title, detail: { en, ar, fa } };
}

export const ERRORS = {
  // 400: the request itself is wrong.
  validation_failed: def(400, 'Validation failed', 'The request is not valid; see errors for each field.', 'الطلب غير صالح؛ راجع قائمة الأخطاء لكل حقل.', 'درخواست معتبر نیست؛ خطای هر فیلد را در errors ببینید.'),
  invalid_json: def(400, 'Invalid JSON', 'The request body is not valid JSON.', 'نص الطلب ليس JSON صالحًا.', 'بدنهٔ درخواست JSON معتبر نیست.'),
  bad_request: def(400, 'Bad request', 'The request could not be understood.', 'تعذّر فهم الطلب.', 'درخواست قابل فهم نیست.'),
  incorrect_password: def(400, 'Incorrect password', 'The current password is incorrect.', 'كلمة المرور الحالية غير صحيحة.', 'رمز عبور فعلی نادرست است.'),
  current_password_required: def(400, 'Current password required', 'Send current_password to change the password.', 'أرسل current_password لتغيير كلمة المرور.', 'برای تغییر رمز عبور، current_password را بفرستید.'),
  cannot_block_self: def(400, 'Cannot block yourself', 'You cannot block yourself.', 'لا يمكنك حظر نفسك.', 'نمی‌توانید خودتان را مسدود کنید.'),
  missing_file: def(400, 'File missing', 'Send the file as multipart/form-data in the field "file".', 'أرسل الملف بصيغة multipart/form-data في الحقل "file".', 'فایل را به صورت multipart/form-data در فیلد «file» بفرستید.'),
  invalid_image: def(400, 'Invalid image', 'The file could not be read as an image.', 'تعذّرت قراءة الملف كصورة.', 'فایل به عنوان تصویر خوانده نشد.'),
  cannot_chat_with_self: def(400, 'Cannot chat with yourself', 'You cannot create a chat with yourself.', 'لا يمكنك إنشاء محادثة مع نفسك.', 'نمی‌توانید با خودتان گفتگو بسازید.'),
  not_a_group: def(400, 'Not a group', 'This chat is not a group.', 'هذه المحادثة ليست مجموعة.', 'این گفتگو گروه نیست.'),
  invalid_reply: def(400, 'Invalid reply', 'The message replied to is not in this chat.', 'الرسالة المردود عليها ليست في هذه المحادثة.', 'پیامی که به آن پاسخ می‌دهید در این گفتگو نیست.'),
  message_deleted: def(400, 'Message deleted', 'This message was deleted.', 'حُذفت هذه الرسالة.', 'این پیام حذف شده است.'),
  not_editable: def(400, 'Not editable', 'Only the text of text messages can be edited.', 'يمكن تعديل نص الرسائل النصية فقط.', 'فقط متن پیام‌های متنی ویرایش‌شدنی است.'),
  not_forwardable: def(400, 'Not forwardable', 'System messages and deleted messages cannot be forwarded.', 'لا يمكن إعادة توجيه رسائل النظام أو الرسائل المحذوفة.', 'پیام‌های سیستمی و حذف‌شده را نمی‌توان هدایت کرد.'),
  content_required: def(400, 'Content required', 'Send content: a JSON body {"content": "..."} or ?content=.', 'أرسل المحتوى: نص JSON {"content": "..."} أو ?content=.', 'محتوا را بفرستید: بدنهٔ JSON {"content": "..."} یا ?content=.'),

  // 401: who are you?
  not_authenticated: def(401, 'Not authenticated', 'Authentication is required: send Authorization: Bearer <access_token>.', 'المصادقة مطلوبة: أرسل Authorization: Bearer <access_token>.', 'احراز هویت لازم است: Authorization: Bearer <access_token> را بفرستید.'),
  invalid_token: def(401, 'Invalid token', 'The token is invalid or has expired.', 'الرمز غير صالح أو منتهي الصلاحية.', 'توکن نامعتبر است یا منقضی شده است.'),
  session_revoked: def(401, 'Session ended', 'This session has ended; log in again.', 'انتهت هذه الجلسة؛ سجّل الدخول مرة أخرى.', 'این نشست پایان یافته است؛ دوباره وارد شوید.'),
  invalid_credentials: def(401, 'Invalid credentials', 'Invalid email or password', 'اسم المستخدم أو كلمة المرور غير صحيحة', 'ایمیل یا رمز عبور نادرست است'),
  invalid_refresh_token: def(401, 'Invalid refresh token', 'The refresh token is invalid or has expired.', 'رمز التحديث غير صالح أو منتهي الصلاحية.', 'توکن نوسازی نامعتبر است یا منقضی شده است.'),
  refresh_token_reused: def(401, 'Refresh token reused', 'This refresh token was already used; the session has been ended for safety.', 'سبق استخدام رمز التحديث هذا؛ أُنهيت الجلسة حفاظًا على الأمان.', 'این توکن نوسازی قبلاً استفاده شده است؛ نشست برای امنیت بسته شد.'),
  api_key_required: def(401, 'API key required', 'An API key is required: send X-API-Key.', 'مفتاح API مطلوب', 'کلید API لازم است: X-API-Key را بفرستید.'),
  api_key_invalid: def(401, 'Invalid API key', 'The API key is invalid or revoked.', 'مفتاح API غير صالح', 'کلید API نامعتبر یا باطل شده است.'),

  // 403: known, but not allowed.
  forbidden: def(403, 'Forbidden', 'You are not allowed to do this.', 'غير مسموح لك بهذا الإجراء.', 'اجازهٔ این کار را ندارید.'),
  admin_required: def(403, 'Admin only', 'Only administrators can do this.', 'هذا الإجراء للمشرفين فقط.', 'این کار فقط برای مدیران مجاز است.'),
  not_a_member: def(403, 'Not a member', 'You are not a member of this chat.', 'لست عضوًا في هذه المحادثة.', 'شما عضو این گفتگو نیستید.'),
  chat_admin_required: def(403, 'Chat admins only', 'Only the group\'s owner and admins can do this.', 'هذا الإجراء لمالك المجموعة ومشرفيها فقط.', 'این کار فقط برای مالک و مدیران گروه مجاز است.'),
  chat_owner_required: def(403, 'Chat owner only', 'Only the group\'s owner can do this.', 'هذا الإجراء لمالك المجموعة فقط.', 'این کار فقط برای مالک گروه مجاز است.'),
  not_sender: def(403, 'Not the sender', 'Only the sender can do this to the message.', 'هذا الإجراء لمرسل الرسالة فقط.', 'این کار فقط برای فرستندهٔ پیام مجاز است.'),
  blocked: def(403, 'Blocked', 'You cannot message this user.', 'لا يمكنك مراسلة هذا المستخدم.', 'نمی‌توانید به این کاربر پیام دهید.'),
  not_public: def(403, 'Not public', 'This group is private: members are added by its admins.', 'هذه المجموعة خاصة: يضيف مشرفوها الأعضاء.', 'این گروه خصوصی است: اعضا را مدیرانش اضافه می‌کنند.'),
  owner_role_fixed: def(403, 'Owner role is fixed', 'The owner stays the owner; ownership passes when the owner leaves.', 'يبقى المالك مالكًا؛ تنتقل الملكية عندما يغادر المالك.', 'مالک، مالک می‌ماند؛ مالکیت با خروج مالک منتقل می‌شود.'),
  cannot_remove_owner: def(403, 'Cannot remove the owner', 'The owner cannot be removed from the group.', 'لا يمكن إزالة مالك المجموعة.', 'مالک گروه را نمی‌توان حذف کرد.'),

  // 404: no such thing (or not visible to you).
  not_found: def(404, 'Not found', 'There is nothing at this address.', 'لا يوجد شيء على هذا العنوان.', 'در این نشانی چیزی نیست.'),
  user_not_found: def(404, 'User not found', 'User not found', 'المستخدم غير موجود', 'کاربر پیدا نشد'),
  session_not_found: def(404, 'Session not found', 'No such session of yours.', 'لا توجد جلسة كهذه لك.', 'چنین نشستی برای شما وجود ندارد.'),
  api_key_not_found: def(404, 'API key not found', 'No such API key.', 'لا يوجد مفتاح API كهذا.', 'چنین کلید API وجود ندارد.'),
  chat_not_found: def(404, 'Chat not found', 'Chat not found', 'المحادثة غير موجودة', 'گفتگو پیدا نشد'),
  message_not_found: def(404, 'Message not found', 'Message not found', 'الرسالة غير موجودة', 'پیام پیدا نشد'),
  member_not_found: def(404, 'Member not found', 'This user is not a member of the chat.', 'هذا المستخدم ليس عضوًا في المحادثة.', 'این کاربر عضو گفتگو نیست.'),
  file_not_found: def(404, 'File not found', 'No such file, or its link has expired.', 'لا يوجد ملف كهذا أو انتهت صلاحية رابطه.', 'چنین فایلی نیست یا پیوند آن منقضی شده است.'),

  // 409: conflicts with what exists.
  email_taken: def(409, 'Email taken', 'Email already registered', 'البريد الإلكتروني مسجّل مسبقًا', 'این ایمیل قبلاً ثبت شده است'),
  username_taken: def(409, 'Username taken', 'Username already taken', 'اسم المستخدم مستخدم مسبقًا', 'این نام کاربری قبلاً گرفته شده است'),

  // 413 / 415: payloads.
  payload_too_large: def(413, 'Payload too large', 'The request body is larger than {limit} bytes.', 'حجم نص الطلب أكبر من {limit} بايت.', 'حجم بدنهٔ درخواست بیشتر از {limit} بایت است.'),
  file_too_large: def(413, 'File too large', 'The file is larger than {limit} bytes.', 'حجم الملف أكبر من {limit} بايت.', 'حجم فایل بیشتر از {limit} بایت است.'),
  unsupported_media_type: def(415, 'Unsupported media type', 'The Content-Type {type} is not accepted here.', 'نوع المحتوى {type} غير مقبول هنا.', 'نوع محتوای {type} اینجا پذیرفته نمی‌شود.'),
  unsupported_file_type: def(415, 'Unsupported file type', 'This file type is not accepted here: {type}.', 'نوع الملف هذا غير مقبول هنا: {type}.', 'این نوع فایل اینجا پذیرفته نمی‌شود: {type}.'),

  // 429: slow down.
  rate_limited: def(429, 'Too many requests', 'Too many requests; try again in {seconds} seconds.', 'طلبات كثيرة جدًا؛ حاول مرة أخرى بعد {seconds} ثانية.', 'درخواست‌ها بیش از حد است؛ {seconds} ثانیهٔ دیگر دوباره تلاش کنید.'),
  too_many_login_attempts: def(429, 'Too many login attempts', 'Too many failed logins; try again in {seconds} seconds.', 'محاولات دخول فاشلة كثيرة؛ حاول مرة أخرى بعد {seconds} ثانية.', 'تلاش‌های ناموفق ورود زیاد است؛ {seconds} ثانیهٔ دیگر دوباره تلاش کنید.'),

  // 5xx: ours, never caused by input.
  internal_error: def(500, 'Internal error', 'Something went wrong on the server; it has been logged.', 'حدث خطأ في الخادم وتم تسجيله.', 'خطایی در سرور رخ داد و ثبت شد.'),
  not_ready: def(503, 'Not ready', 'The server is not ready: {reason}.', 'الخادم غير جاهز: {reason}.', 'سرور آماده نیست: {reason}.'),
  shutting_down: def(503, 'Shutting down', 'The server is shutting down; retry on another node.', 'الخادم يتوقف؛ أعد المحاولة على عقدة أخرى.', 'سرور در حال خاموش شدن است؛ روی گرهٔ دیگری دوباره تلاش کنید.'),
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERRORS;

/** Fills `{name}` placeholders of the catalog text for `code` in `lang`. */
export function errorDetail(code: ErrorCode, lang: Language, params: Record<string, string | number> = {}): string {
  const template = ERRORS[code].detail[lang];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** The RFC 9457 `type` URI of a code (documented in docs/ERRORS.md). */
export function errorType(code: string): string {
  return `urn:majlis:error:${code}`;
}
