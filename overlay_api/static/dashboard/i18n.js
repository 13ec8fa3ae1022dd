// cartcoach dashboard in two languages: English (the page as written) and Turkish.
// A small dictionary keyed by the English text, like gettext's msgids: the page's HTML stays
// readable English, and a string without a Turkish entry shows in English (and is listed in
// CartcoachI18n.missing, which the browser tests check is empty on the owner's journey).
// Static text: every text node and aria-label/placeholder/title under an element marked
// data-i18n-root, except inside translate="no" (codes, ids, shoppers' copy).
// Dynamic text: the scripts call t(); on a switch they hear "cartcoach:lang" and redraw.
// Numbers, money and dates go through Intl for the chosen language. Text only, never HTML.
"use strict";
window.CartcoachI18n = (function () {
  const STORAGE_KEY = "cartcoach.dashboard.lang";
  const LANGUAGES = { en: "English", tr: "Türkçe" };
  const INTL_TAG = { en: "en-US", tr: "tr-TR" };
  // English → Turkish. "{name}" marks a value filled in by t(text, {name: ...}).
  const TR = {
    "cartcoach · CRO dashboard": "cartcoach · CRO paneli",
    "CRO dashboard": "CRO paneli",
    "Language": "Dil",
    "Sign in": "Giriş yap",
    "E-mail": "E-posta",
    "Password": "Parola",
    "New here?": "Yeni misiniz?",
    "Create an account": "Hesap oluşturun",
    "Password (at least 10 characters)": "Parola (en az 10 karakter)",
    "You were invited: your account joins the inviting store or agency.": "Davet edildiniz: hesabınız sizi davet eden mağazaya veya ajansa katılır.",
    "I am": "Ben",
    "a store owner": "bir mağaza sahibiyim",
    "an agency": "bir ajansım",
    "Store id (lower case, digits, dashes)": "Mağaza kimliği (küçük harf, rakam, tire)",
    "Your shop's address": "Mağazanızın adresi",
    "Language of the nudges": "Yönlendirmelerin dili",
    "Agency name": "Ajans adı",
    "Create account": "Hesabı oluştur",
    "Have an account?": "Hesabınız var mı?",
    "Your store's keys": "Mağazanızın anahtarları",
    "The write key goes in the script tag; the secret key is for your back end's API calls (orders, reports). It is shown this once: keep it safe.":
      "Yazma anahtarı betik etiketine girer; gizli anahtar arka ucunuzun API çağrıları (siparişler, raporlar) içindir. Yalnızca bu kez gösterilir: güvenle saklayın.",
    "Write key": "Yazma anahtarı",
    "Secret key": "Gizli anahtar",
    "I have saved them": "Kaydettim",
    "Filters": "Filtreler",
    "Store": "Mağaza",
    "Reason": "Neden",
    "Device": "Cihaz",
    "all": "tümü",
    "Sign out": "Çıkış yap",
    "Signed out.": "Çıkış yapıldı.",
    "Wrong e-mail or password.": "E-posta veya parola yanlış.",
    "Dashboard views": "Panel görünümleri",
    "Live · {store}": "Canlı · {store}",
    "Reconnecting…": "Yeniden bağlanıyor…",
    "Server unreachable, retrying…": "Sunucuya ulaşılamıyor, yeniden deneniyor…",
    "Live": "Canlı",
    "Reports": "Raporlar",
    "Settings": "Ayarlar",
    "Agency": "Ajans",
    // settings
    "owner": "sahip",
    "analyst": "analist",
    "Your role on this store is analyst: you can preview, not save.": "Bu mağazadaki rolünüz analist: önizleyebilir, kaydedemezsiniz.",
    "Tone": "Ton",
    "Tone from the library": "Kütüphaneden ton",
    "none: the voice below": "yok: aşağıdaki hitap",
    "Copy it and adjust": "Kopyalayıp uyarlayın",
    "Button, English": "Düğme, İngilizce",
    "Button, Turkish": "Düğme, Türkçe",
    "Dismiss, English": "Kapatma, İngilizce",
    "Dismiss, Turkish": "Kapatma, Türkçe",
    "Say less (first sentence only)": "Kısa söyle (yalnızca ilk cümle)",
    "Exclamation marks in titles": "Başlıklarda ünlem işareti",
    "Blank: the tone's own. A tone sets the voice; the voice below applies without one.":
      "Boş: tonun kendi metni. Ton hitabı belirler; ton yoksa aşağıdaki hitap geçerlidir.",
    "Examples, English": "Örnekler, İngilizce",
    "Examples, Turkish": "Örnekler, Türkçe",
    "Voice": "Hitap",
    "friendly": "samimi (sen)",
    "formal": "resmî (siz)",
    "Locale": "Dil",
    "Brand tier": "Marka düzeyi",
    "premium": "premium",
    "standard": "standart",
    "value": "ekonomik",
    "Incentives": "Teşvikler",
    "Largest coupon (%)": "En büyük kupon (%)",
    "Margin floor (%)": "Kâr marjı tabanı (%)",
    "Installments and price locks": "Taksit ve fiyat sabitleme",
    "Installments offered": "Taksit sunulur",
    "Months": "Ay",
    "From amount": "En düşük tutar",
    "Bank cost (%)": "Banka maliyeti (%)",
    "Price locks allowed": "Fiyat sabitlemeye izin ver",
    "Lock hours": "Sabitleme saati",
    "Experiment": "Deney",
    "Holdout share": "Kontrol grubu payı",
    "Arm weights": "Kol ağırlıkları",
    "Weight of arm 1": "1. kolun ağırlığı",
    "Weight of arm 2": "2. kolun ağırlığı",
    "Weight of arm 3": "3. kolun ağırlığı",
    "Follow-up flows (JSON, as in the stores file)": "Takip akışları (JSON, mağaza dosyasındaki gibi)",
    "Flows": "Akışlar",
    "Campaign rules": "Kampanya kuralları",
    "Checked in order at every decision; a rule only narrows the policy above. A condition may use: reason, cart_value, category, stock, price, season, month, hour, device, locale, brand_tier.":
      "Her kararda sırayla denetlenir; bir kural yalnızca yukarıdaki politikayı daraltır. Koşulda şunlar kullanılabilir: reason, cart_value, category, stock, price, season, month, hour, device, locale, brand_tier.",
    "Add a rule": "Kural ekle",
    "Remove": "Kaldır",
    "Rule {n}": "{n}. kural",
    "Name": "Ad",
    "When": "Koşul",
    "Only these incentives (comma-separated)": "Yalnızca bu teşvikler (virgülle)",
    "Never these (comma-separated)": "Asla bunlar (virgülle)",
    "Aggressiveness": "Cesaret düzeyi",
    "stock and calendar decide": "stok ve takvim belirler",
    "bold": "cesur",
    "normal": "normal",
    "protective": "koruyucu",
    "Tone while it matches": "Kural geçerliyken ton",
    "the store's tone": "mağazanın tonu",
    "as written in the stores file": "mağaza dosyasında yazıldığı gibi",
    "No campaign rules: the policy alone decides.": "Kampanya kuralı yok: yalnızca politika belirler.",
    "Save settings": "Ayarları kaydet",
    "Saved: {fields}": "Kaydedildi: {fields}",
    "Nothing to save.": "Kaydedilecek bir şey yok.",
    "Preview": "Önizleme",
    "the three variants the engine would show, per reason, in both languages": "motorun her neden için göstereceği üç varyant, iki dilde",
    "Product": "Ürün",
    "no product (cart only)": "ürün yok (yalnızca sepet)",
    "Tone in force: {tone} · voice {voice}": "Geçerli ton: {tone} · hitap {voice}",
    "none": "yok",
    "copy of {name}": "{name} kopyası",
    "Changes": "Değişiklikler",
    "who changed what": "kim neyi değiştirdi",
    "price": "fiyat",
    "trust": "güven",
    "shipping_speed": "kargo hızı",
    "indecision": "kararsızlık",
    "checkout_friction": "ödeme zorluğu",
    // the tone library's descriptions (nudges/tones.py)
    "Friendly and reassuring, like a shop assistant who knows you.": "Samimi ve güven veren, sizi tanıyan bir mağaza çalışanı gibi.",
    "One fact, one button: for mobile-heavy stores and busy shoppers.": "Tek bilgi, tek düğme: mobil ağırlıklı mağazalar ve aceleci alışverişçiler için.",
    "Understated and calm: no exclamation marks, no pressure, few words.": "Sade ve sakin: ünlem yok, baskı yok, az söz.",
    "Light and upbeat, for young brands: exclamation marks allowed, claims still exact.": "Hafif ve neşeli, genç markalar için: ünlem serbest, iddialar yine kesin.",
    "Precise and factual, for technical products: full sentences, every term stated.": "Kesin ve olgusal, teknik ürünler için: tam cümleler, her koşul açıkça.",
    // reports
    "Report": "Rapor",
    "sessions first exposed in the period (UTC days), every outcome they had": "dönemde ilk kez nudge gören oturumlar (UTC günleri) ve tüm sonuçları",
    "Report period": "Rapor dönemi",
    "From": "Başlangıç",
    "To": "Bitiş",
    "Last week": "Geçen hafta",
    "Show report": "Raporu göster",
    "Download CSV": "CSV indir",
    "Download nudges CSV": "Nudge CSV indir",
    "Download PDF": "PDF indir",
    "Loading…": "Yükleniyor…",
    "Period {from} to {to}": "Dönem: {from} – {to}",
    "Could not load the report: {error}": "Rapor yüklenemedi: {error}",
    "Download failed: {error}": "İndirme başarısız: {error}",
    "Attributed revenue": "Atfedilen gelir",
    "Incremental revenue (vs holdout)": "Artımlı gelir (kontrol grubuna göre)",
    "Net margin": "Net kâr",
    "Incremental net margin (vs holdout)": "Artımlı net kâr (kontrol grubuna göre)",
    "Blanket 10% coupon, estimated net margin": "Herkese %10 kupon, tahmini net kâr",
    "Net margin vs blanket coupon": "Herkese kupona göre net kâr",
    "Treated / holdout sessions": "Nudge gören / kontrol oturumları",
    "Incremental = treated revenue − holdout revenue per session × treated sessions. Counterfactual: {method}.":
      "Artımlı = nudge görenlerin geliri − kontrol grubunun oturum başına geliri × nudge gören oturumlar. Karşı olgu: {method}.",
    "Arms in the period, scrollable": "Dönemdeki kollar, kaydırılabilir",
    "Per arm, all reasons (GET /v1/experiments/{name}/report?from=&to=)": "Kol başına, tüm nedenler (GET /v1/experiments/{name}/report?from=&to=)",
    "Arm": "Kol",
    "Exposures": "Gösterim kararları",
    "Impressions": "Görüntülenme",
    "Clicks": "Tıklama",
    "Recoveries": "Kurtarılan",
    "Orders": "Sipariş",
    "Revenue": "Gelir",
    "Refunds": "İade",
    "Nudges in the period, scrollable": "Dönemdeki nudge'lar, kaydırılabilir",
    "Per nudge (incentive shown; the holdout is “none”)": "Nudge başına (gösterilen teşvik; kontrol grubu “none”)",
    "Nudge": "Nudge",
    "Click rate": "Tıklama oranı",
    "Reason mix and accuracy over time": "Zaman içinde neden dağılımı ve doğruluk",
    "stored hourly, same period": "saatlik saklanır, aynı dönem",
    "Sessions per {unit} by top reason": "Baskın nedene göre {unit} başına oturum",
    "hour": "saat",
    "day": "gün",
    "Accuracy against {n} survey answers in the period: {pct}; per {unit}: {list}": "Dönemdeki {n} anket yanıtına göre doğruluk: {pct}; {unit} başına: {list}",
    "No survey answers in the period yet: accuracy needs shoppers' answers.": "Bu dönemde henüz anket yanıtı yok: doğruluk için alışverişçilerin yanıtları gerekir.",
    "No drift: the last {hours} h look like the rest of the period.": "Kayma yok: son {hours} saat dönemin geri kalanına benziyor.",
    "Why this nudge": "Bu nudge neden",
    "Explain a session": "Bir oturumu açıkla",
    "Session": "Oturum",
    "Trigger": "Tetikleyici",
    "store's": "mağazanınki",
    "Explain": "Açıkla",
    // live: the feed
    "Live abandonment profiles": "Canlı sepet terk profilleri",
    "Live abandonment profiles, scrollable": "Canlı sepet terk profilleri, kaydırılabilir",
    "Time": "Saat",
    "Cart": "Sepet",
    "Top reason": "Baskın neden",
    "Risk": "Risk",
    "Evidence": "Kanıt",
    "Overlay shown": "Gösterilen pencere",
    "Outcome": "Sonuç",
    "({n} sessions)": "({n} oturum)",
    "plan": "plan",
    "Plan of {session}": "{session} oturumunun planı",
    "holdout (nothing shown)": "kontrol grubu (hiçbir şey gösterilmedi)",
    "focused": "odaklı",
    "hedged": "dağıtılmış",
    "The risk model has not yet learned enough outcomes to rank sessions": "Risk modeli oturumları sıralayacak kadar sonuç öğrenmedi",
    "risk not yet trained": "risk henüz eğitilmedi",
    "open": "açık",
    "purchased": "satın aldı",
    "abandoned": "terk etti",
    "mobile": "mobil",
    "desktop": "masaüstü",
    "tablet": "tablet",
    // live: reason mix and model health
    "Reason mix, sessions per minute": "Neden dağılımı, dakika başına oturum",
    "Reason mix per minute": "Dakika başına neden dağılımı",
    "Model health": "Model sağlığı",
    "Model version": "Model sürümü",
    "Rolling accuracy vs survey answers": "Anket yanıtlarına göre güncel doğruluk",
    "Survey answers in window": "Penceredeki anket yanıtları",
    "no survey answers yet": "henüz anket yanıtı yok",
    "No drift alarms": "Kayma alarmı yok",
    // live: installation
    "Installation": "Kurulum",
    "what the tag saw in the last 24 hours": "etiketin son 24 saatte gördükleri",
    "Per page type: each signal and the detector that found it (attr, api, a platform, datalayer, schema, text, url), and what to add where a signal never fired.":
      "Sayfa türüne göre: her sinyal ve onu bulan algılayıcı (attr, api, bir platform, datalayer, schema, text, url) ve hiç gelmeyen sinyal için nereye ne eklemeniz gerektiği.",
    "Installation census by page type, scrollable": "Sayfa türüne göre kurulum sayımı, kaydırılabilir",
    "Page type": "Sayfa türü",
    "Signals (detector × count)": "Sinyaller (algılayıcı × sayı)",
    "Missing, and what to add": "Eksik olan ve eklenmesi gereken",
    "Pages typed “other”": "“Diğer” türündeki sayfalar",
    "Nothing seen yet: is the tag on your pages?": "Henüz bir şey görülmedi: etiket sayfalarınızda mı?",
    "None: every page got a type.": "Yok: her sayfanın bir türü var.",
    "product": "ürün",
    "cart": "sepet",
    "checkout": "ödeme",
    "listing": "ürün listesi",
    "other": "diğer",
    // live: experiment
    "Per arm, all reasons: the report API's counts (GET /v1/experiments/{name}/report)": "Kol başına, tüm nedenler: rapor API'sinin sayıları (GET /v1/experiments/{name}/report)",
    "Recovery rate per arm (always-valid interval)": "Kol başına kurtarma oranı (her an geçerli aralık)",
    "Uplift against the holdout": "Kontrol grubuna göre artış",
    "Refund rate": "İade oranı",
    "{value} pt": "{value} puan",
    "{method} · margin {pct}% of revenue · revenue {basis}": "{method} · kâr marjı gelirin %{pct}'i · gelir: {basis}",
    // live: follow-up flows
    "Follow-up flows": "Takip akışları",
    "against their holdout ·": "kontrol gruplarına göre ·",
    "outbox": "giden kutusu",
    "Follow-up flows against their holdout, scrollable": "Kontrol gruplarına göre takip akışları, kaydırılabilir",
    "Eligible abandoners per arm, all reasons (GET /v1/flows/report); verified money only": "Kol başına uygun sepet terk edenler, tüm nedenler (GET /v1/flows/report); yalnızca doğrulanmış tutarlar",
    "Shoppers": "Alışverişçi",
    "Recovered": "Kurtarılan",
    "Recovery rate [always-valid interval]": "Kurtarma oranı [her an geçerli aralık]",
    "Uplift vs holdout": "Kontrol grubuna göre artış",
    "Coupon cost": "Kupon maliyeti",
    "Refunded": "İade edilen",
    "Per flow, step and channel": "Akış, adım ve kanal başına",
    "Flow": "Akış",
    "Step": "Adım",
    "Channel": "Kanal",
    "Sent": "Gönderilen",
    "Delivered": "Teslim edilen",
    "Opened": "Açılan",
    "Clicked": "Tıklanan",
    "Unsubscribed": "Abonelikten çıkan",
    "Held back": "Bekletilen",
    "No flow has started yet.": "Henüz hiçbir akış başlamadı.",
    "{skipped} skipped ({holdout} holdout), {deferred} waiting": "{skipped} atlandı ({holdout} kontrol grubu), {deferred} bekliyor",
    "Holdout {share} of eligible abandoners (per shopper)": "Uygun sepet terk edenlerin {share} kadarı kontrol grubunda (alışverişçi başına)",
    // live: a shopper's plan
    "Shopper's plan": "Alışverişçinin planı",
    "what the page showed, what is scheduled, and why": "sayfanın gösterdikleri, planlananlar ve nedenleri",
    "Find a shopper's plan": "Bir alışverişçinin planını bulun",
    "Session id": "Oturum kimliği",
    "Show plan": "Planı göster",
    "or pick “plan” on a live row": "ya da canlı listede bir satırın “plan” düğmesine tıklayın",
    "Not identified: no follow-ups for this session, only what the page showed.": "Tanınmıyor: bu oturum için takip mesajı yok, yalnızca sayfanın gösterdikleri.",
    "Contact {id} · {locale} · {zone} · consent: {consents} · sessions: {n}": "Kişi {id} · {locale} · {zone} · izin: {consents} · oturum: {n}",
    "{channel} {answer} ({source})": "{channel} {answer} ({source})",
    "yes": "evet",
    "no": "hayır",
    "shown: {incentive} (arm {arm})": "gösterildi: {incentive} ({arm} kolu)",
    "holdout: nothing shown": "kontrol grubu: hiçbir şey gösterilmedi",
    "{at} · {what} · reason {reason} · {trigger}": "{at} · {what} · neden: {reason} · {trigger}",
    "page": "sayfa",
    "No nudge on the page.": "Sayfada yönlendirme yok.",
    "On the page": "Sayfada",
    "flow holdout: planned, sends nothing": "akış kontrol grubu: planlandı, hiçbir şey göndermez",
    "treated": "deney grubu",
    "{flow} · {arm} · reason {reason} · {status}": "{flow} · {arm} · neden: {reason} · {status}",
    "Due (store time)": "Zamanı (mağaza saati)",
    "State": "Durum",
    "Why": "Neden",
    "(else {fallback})": "(olmazsa {fallback})",
    "opened": "açıldı",
    "clicked": "tıklandı",
    "coupon {code}": "kupon {code}",
    "no consent": "izin yok",
    "quiet hours": "sessiz saatler",
    "frequency cap": "sıklık sınırı",
    "İYS": "İYS",
    "holdout": "kontrol grubu",
    "purchase": "satın alma",
    "no confident reason": "güvenilir bir neden yok",
    "another flow won": "başka bir akış öncelikli",
    "erased": "silindi",
    "server restarted": "sunucu yeniden başladı",
    "Server unreachable; try again.": "Sunucuya ulaşılamıyor; yeniden deneyin.",
    "Could not load the plan ({status}).": "Plan yüklenemedi ({status}).",
    "Session {id} · times in {zone}": "Oturum {id} · saatler {zone} saat diliminde",
    "No follow-up flow has started for this shopper.": "Bu alışverişçi için henüz takip akışı başlamadı.",
    "scheduled": "planlandı",
    "sent": "gönderildi",
    "skipped": "atlandı",
    "deferred": "ertelendi",
    "sending": "gönderiliyor",
    "failed": "başarısız",
    "cancelled": "iptal edildi",
    "active": "sürüyor",
    "finished": "tamamlandı",
    // server-written sentences that never change, translated by their English text
    "mSPRT always-valid intervals (normal mixture, tau=0.05, alpha=0.05): valid however often the report is looked at":
      "mSPRT her an geçerli aralıklar (normal karışım, tau=0,05, alfa=0,05): rapora ne sıklıkla bakılırsa bakılsın geçerlidir",
    "verified: orders, revenue and refunds reported by the store's back end (POST /v1/outcomes, secret key) or carrying its signed order token; browser purchase markers without a valid token and browser refunds are not counted":
      "doğrulanmış: mağazanızın arka ucunun bildirdiği (POST /v1/outcomes, gizli anahtar) ya da imzalı sipariş belirtecini taşıyan siparişler, gelir ve iadeler; geçerli belirteci olmayan tarayıcı satın alma işaretleri ve tarayıcıdan gelen iadeler sayılmaz",
    "blanket 10% coupon, estimated: per reason, the holdout's recovery rate plus the coupon lift of nudges/learning/uplift.py (coupon_lift_per_pct x 10 for price, coupon_off_reason_share of it for other reasons; assumed figures), times the holdout's order value and refund share, minus 10% of that revenue; shoppers a blanket coupon teaches to abandon on purpose are ignored, which flatters the coupon":
      "herkese %10 kupon, tahmini: her neden için kontrol grubunun kurtarma oranı artı nudges/learning/uplift.py'deki kupon etkisi (fiyat için coupon_lift_per_pct x 10, diğer nedenler için bunun coupon_off_reason_share kadarı; varsayılan değerler), çarpı kontrol grubunun sipariş tutarı ve iade payı, eksi bu gelirin %10'u; herkese kupon verilince sepeti bilerek terk etmeyi öğrenen alışverişçiler hesaba katılmaz, bu da kuponu olduğundan iyi gösterir",
    'Add data-cartcoach="add-to-cart" to the add-to-cart button.': 'Sepete ekle düğmesine data-cartcoach="add-to-cart" ekleyin.',
    'Add data-cartcoach="shipping-info" to the delivery/shipping tab, link or accordion header.': 'Teslimat/kargo sekmesine, bağlantısına ya da akordeon başlığına data-cartcoach="shipping-info" ekleyin.',
    'Add data-cartcoach="reviews" to the reviews section (or the tab panel holding it).': 'Yorumlar bölümüne (ya da onu içeren sekme paneline) data-cartcoach="reviews" ekleyin.',
    'Add data-cartcoach="return-policy" to the returns link or tab.': 'İade bağlantısına ya da sekmesine data-cartcoach="return-policy" ekleyin.',
    'Add data-cartcoach-page="cart" to the <html> element of your cart page.': 'Sepet sayfanızın <html> öğesine data-cartcoach-page="cart" ekleyin.',
    'Add data-cartcoach="coupon" to the coupon / discount code input.': 'Kupon / indirim kodu alanına data-cartcoach="coupon" ekleyin.',
    "Add data-cartcoach=\"remove-from-cart\" to each line's remove button or link.": 'Her satırın kaldır düğmesine ya da bağlantısına data-cartcoach="remove-from-cart" ekleyin.',
    "Add data-cartcoach-page=\"checkout\" and data-cartcoach-step=\"N\" to the <html> element of each checkout step, or call cartcoach('page', {type: 'checkout', step: N}).":
      "Her ödeme adımının <html> öğesine data-cartcoach-page=\"checkout\" ve data-cartcoach-step=\"N\" ekleyin ya da cartcoach('page', {type: 'checkout', step: N}) çağırın.",
    "Mark the checkout form's fields with the browser's own validation (required, type=email ...): errors are read from it.":
      "Ödeme formunun alanlarını tarayıcının kendi doğrulamasıyla işaretleyin (required, type=email ...): hatalar oradan okunur.",
    'Add data-cartcoach="price-sort" to the sort control (select, dropdown or links).': 'Sıralama denetimine (seçim kutusu, açılır menü ya da bağlantılar) data-cartcoach="price-sort" ekleyin.',
    'Add data-cartcoach="price-filter" to the price filter (range, slider or links).': 'Fiyat filtresine (aralık, kaydırıcı ya da bağlantılar) data-cartcoach="price-filter" ekleyin.',
    "These pages were typed 'other': if one is a product, cart or checkout page, add data-cartcoach-page=\"product\" (or cart, checkout) to its <html> element.":
      "Bu sayfaların türü 'diğer' olarak belirlendi: biri ürün, sepet ya da ödeme sayfasıysa <html> öğesine data-cartcoach-page=\"product\" (ya da cart, checkout) ekleyin.",
    // server sentences sent with a template (overlay_api/message_templates.py): one line per template
    "Reason mix shifted in the last {hours} h (distance {distance}): {reason} now {now}%, was {was}%":
      "Son {hours} saatte neden dağılımı değişti (uzaklık {distance}): {reason} şimdi %{now}, önceden %{was}",
    "Reason mix shifted (distance {distance}): {reason} now {now}%, was {was}%": "Neden dağılımı değişti (uzaklık {distance}): {reason} şimdi %{now}, önceden %{was}",
    "Accuracy fell from {before}% to {after}% in the last {hours} h ({answers} survey answers)":
      "Doğruluk son {hours} saatte %{before} değerinden %{after} değerine düştü ({answers} anket yanıtı)",
    "Accuracy fell from {before}% to {after}% over the last {answers} survey answers": "Doğruluk son {answers} anket yanıtında %{before} değerinden %{after} değerine düştü",
    "an account with this address exists; sign in instead": "bu adresle bir hesap zaten var; lütfen giriş yapın",
    "create a store, create an agency, or use an invitation": "bir mağaza ya da ajans oluşturun veya bir davet kullanın",
    "between 2 and 120 characters": "2 ile 120 karakter arasında olmalı",
    "one of {values}": "şunlardan biri olmalı: {values}",
    "at least {n} characters": "en az {n} karakter olmalı",
    "at most {n} characters": "en fazla {n} karakter olmalı",
    "unknown, used or expired; ask for a new one": "bilinmiyor, kullanılmış ya da süresi dolmuş; yeni bir davet isteyin",
    "already a member": "zaten üye",
    "a store named {store} exists already": "{store} adlı bir mağaza zaten var",
    "send an object of the fields to change": "değiştirilecek alanları bir nesne olarak gönderin",
    "not editable here": "burada değiştirilemez",
    "a premium brand never offers coupons; remove 'coupon' or change brand_tier": "premium bir marka asla kupon sunmaz; 'coupon' seçeneğini kaldırın ya da marka düzeyini değiştirin",
    "'coupon' is allowed but the maximum is 0": "kupona izin verilmiş ama en büyük kupon 0",
    "'installments' is allowed but no terms are given": "taksite izin verilmiş ama taksit koşulları girilmemiş",
    "'price_lock' is allowed but price_lock_allowed is false": "fiyat sabitleme teşviki seçili ama fiyat sabitlemeye izin verilmemiş",
    "the incentive is allowed but no threshold is set": "teşvike izin verilmiş ama eşik tutarı girilmemiş",
    "at least one arm needs a positive weight": "en az bir kolun ağırlığı sıfırdan büyük olmalı",
    "syntax error near {token}": "{token} yakınında sözdizimi hatası",
    "syntax error (the expression ends too early)": "sözdizimi hatası (ifade erken bitiyor)",
    "unknown field {name}; rules may use: {names}": "bilinmeyen alan {name}; kurallarda kullanılabilecekler: {names}",
    "unknown tone {name}; the library has: {names}": "bilinmeyen ton {name}; kütüphanedeki tonlar: {names}",
    "Expected `{type}` <= {limit}": "en fazla {limit} olmalı",
    "Expected `{type}` >= {limit}": "en az {limit} olmalı",
    "Expected `{type}` < {limit}": "{limit} değerinden küçük olmalı",
    "Expected `{type}` > {limit}": "{limit} değerinden büyük olmalı",
    "Expected `{type}` of length <= {limit}": "en fazla {limit} karakter olmalı",
    "Expected `{type}` of length >= {limit}": "en az {limit} karakter olmalı",
    "Expected `{expected}`, got `{got}`": "beklenen tür `{expected}`, gelen `{got}`",
    "Object missing required field `{name}`": "zorunlu alan eksik: `{name}`",
    "Object contains unknown field `{name}`": "bilinmeyen alan: `{name}`",
    "Invalid enum value {value}": "geçersiz değer: {value}",
    "no profile for this session yet": "bu oturum için henüz profil yok",
    "confidence {confidence} is below the experiment's min_confidence {minimum}": "güven {confidence}, deneyin en düşük güven eşiği {minimum} değerinin altında",
    "the cart is empty (policy.overlay_empty_cart is off)": "sepet boş (policy.overlay_empty_cart kapalı)",
    "no hesitation signal moved the profile (policy.overlay_without_evidence is off)": "profili hiçbir tereddüt sinyali değiştirmedi (policy.overlay_without_evidence kapalı)",
    "cooldown: this session saw a nudge {minutes} min ago (cooldown {cooldown} min)": "bekleme süresi: bu oturum {minutes} dk önce bir yönlendirme gördü (bekleme {cooldown} dk)",
    "offered as variant {rank}": "{rank}. varyant olarak sunuldu",
    "not allowed by the store's policy": "mağaza politikası izin vermiyor",
    "removed by campaign rule {rule}": "{rule} kampanya kuralı çıkardı",
    "premium brands never get coupons": "premium markalara asla kupon verilmez",
    "no coupon: this visitor was offered one already (or the caller ruled it out)": "kupon yok: bu ziyaretçiye daha önce kupon sunuldu (ya da çağıran taraf hariç tuttu)",
    "not true for this store, product and cart now (or no room above the margin floor)": "bu mağaza, ürün ve sepet için şu an geçerli değil (ya da kâr marjı tabanının üstünde yer yok)",
    "true and allowed, ranked below the three shown": "geçerli ve izinli, gösterilen üç varyantın altında sıralandı",
    "hash(store, experiment, session) = {u}: {edges} → {arm} (sees nothing)": "hash(mağaza, deney, oturum) = {u}: {edges} → {arm} (hiçbir şey görmez)",
    "hash(store, experiment, session) = {u}: {edges} → {arm}": "hash(mağaza, deney, oturum) = {u}: {edges} → {arm}",
    "not evaluated: {error}": "değerlendirilmedi: {error}",
    // a profile's evidence (scorer/rules.py), with its counts
    "Opened shipping/delivery info {times}": "Kargo/teslimat bilgisini {times} açtı",
    "Viewed reviews {times}": "Yorumlara {times} baktı",
    "Went back to the same reviews {times}": "Aynı yorumlara {times} geri döndü",
    "Scrolled {pct} down the reviews": "Yorumların {pct} kadarını kaydırdı",
    "Opened the return policy {times}": "İade koşullarını {times} açtı",
    "Opened the warranty {times}": "Garanti bilgisini {times} açtı",
    "Filtered by price {times}": "Fiyata göre {times} filtreledi",
    "Sorted by price {times}": "Fiyata göre {times} sıraladı",
    "Clicked into the coupon field {times}": "Kupon alanına {times} tıkladı",
    "Looked at installment options {times}": "Taksit seçeneklerine {times} baktı",
    "Removed the most expensive item from the cart": "Sepetteki en pahalı ürünü çıkardı",
    "Switched tabs {times} (comparison shopping?)": "Sekmeler arasında {times} geçti (fiyat karşılaştırması mı?)",
    "Spent {n} s on the cart": "Sepette {n} sn geçirdi",
    "Went back from the cart to a product {times}": "Sepetten bir ürüne {times} geri döndü",
    "Moved between product and cart {times}": "Ürün ile sepet arasında {times} gidip geldi",
    "Went back to a checkout step {times}": "Bir ödeme adımına {times} geri döndü",
    "Hit form errors at checkout {times}": "Ödemede {times} form hatası aldı",
    "Payment failed {times}": "Ödeme {times} başarısız oldu",
    "Showed exit intent {times}": "Sayfadan {times} çıkmaya yöneldi",
    "Idle for {n} s": "{n} sn hareketsiz kaldı",
    "No specific hesitation signal yet": "Henüz belirgin bir tereddüt sinyali yok",
    "once": "bir kez",
    "twice": "iki kez",
    "{n} times": "{n} kez",
    "{n}%": "%{n}",
    // "why this nudge" (reports.js)
    "Explaining…": "Açıklanıyor…",
    "Shown: {variant}": "Gösterildi: {variant}",
    "Holdout: this session sees nothing (the baseline)": "Kontrol grubu: bu oturum hiçbir şey görmez (karşılaştırma tabanı)",
    "Nothing shown": "Hiçbir şey gösterilmedi",
    "Top reason {reason} at {confidence} confidence, risk {risk}; evidence: {evidence}.": "Baskın neden {reason}, güven {confidence}, risk {risk}; kanıt: {evidence}.",
    "Stopped: {gate}": "Durduruldu: {gate}",
    "Recorded exposure: arm {arm}, {incentive}, reason {reason}, at {at}.": "Kaydedilen gösterim: {arm} kolu, {incentive}, neden {reason}, {at}.",
    "Campaign rules, in order": "Kampanya kuralları, sırayla",
    "Rule": "Kural",
    "Matched": "Eşleşti",
    "Note": "Not",
    "This store has no campaign rules.": "Bu mağazanın kampanya kuralı yok.",
    "Rules changed: {effects}.": "Kuralların değiştirdikleri: {effects}.",
    "Tone: {tone}; aggressiveness {boldness}.": "Ton: {tone}; cesaret düzeyi {boldness}.",
    "Incentives for the reason, and what became of each": "Nedene uyan teşvikler ve her birinin akıbeti",
    "Incentive": "Teşvik",
    "Status": "Durum",
    "Turned down by the guardrails": "Güvenlik kurallarınca reddedilenler",
    "Variant and problems": "Varyant ve sorunlar",
    "The three variants": "Üç varyant",
    "Rank": "Sıra",
    "Variant": "Varyant",
    "Title": "Başlık",
    "Source": "Kaynak",
    "Arm {arm}: {why}": "{arm} kolu: {why}",
    // the outbox page (outbox.html, outbox.js)
    "cartcoach · outbox": "cartcoach · giden kutusu",
    "Paste your store's": "Mağazanızın",
    "secret key": "gizli anahtarını",
    ". It stays in this tab only.": " yapıştırın. Yalnızca bu sekmede kalır.",
    "Open the outbox": "Giden kutusunu aç",
    "Every follow-up message, newest first, as the shopper sees it. Skipped steps say which rule held them back.":
      "Her takip mesajı, en yenisi önce, alışverişçinin gördüğü gibi. Atlanan adımlar hangi kuralın onları durdurduğunu söyler.",
    "Per step and channel": "Adım ve kanal başına",
    "Skipped": "Atlanan",
    "Holdout": "Kontrol grubu",
    "{at} · {flow} step {step} · {channel} → {recipient} · {status}": "{at} · {flow} {step}. adım · {channel} → {recipient} · {status}",
    "E-mail: {subject}": "E-posta: {subject}",
    "{store}: {n} messages": "{store}: {n} mesaj",
    "Could not load the outbox; retrying.": "Giden kutusu yüklenemedi; yeniden deneniyor.",
    // incentives (nudges/incentives.py), shown with their code
    "delivery_promise": "teslimat sözü",
    "delivery_date": "teslim tarihi",
    "free_express_shipping": "ücretsiz hızlı kargo",
    "free_shipping_threshold": "ücretsiz kargo eşiği",
    "reviews": "ürün yorumları",
    "return_guarantee": "iade güvencesi",
    "warranty": "garanti",
    "low_stock": "az stok uyarısı",
    "price_lock": "fiyat sabitleme",
    "installments": "taksit",
    "coupon": "kupon",
    "guest_checkout": "üye olmadan ödeme",
    "saved_cart": "sepeti kaydetme",
    "help": "yardım",
    "premium_story": "marka hikâyesi",
    "survey": "anket",
    // agency
    "Client stores": "Müşteri mağazaları",
    "Events, last hour": "Olaylar, son bir saat",
    "Overlays shown": "Gösterilen pencereler",
    "Recovered revenue (verified)": "Kurtarılan gelir (doğrulanmış)",
    "Add a client store": "Müşteri mağazası ekleyin",
    "Store id": "Mağaza kimliği",
    "Shop's address": "Mağaza adresi",
    "Add": "Ekle",
    "receiving": "veri geliyor",
    "quiet for an hour": "bir saattir sessiz",
    "not installed": "kurulmamış",
    "Added {store} · write key {write} · secret key {secret}": "{store} eklendi · yazma anahtarı {write} · gizli anahtar {secret}",
  };
  const TEXT = { en: {}, tr: TR };

  function initial() {
    let saved = null;
    try { saved = localStorage.getItem(STORAGE_KEY); } catch (e) { /* storage off: the browser's language */ }
    if (saved && saved in TEXT) return saved;
    const wanted = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"]);
    for (const tag of wanted) { const short = String(tag).slice(0, 2).toLowerCase(); if (short in TEXT) return short; }
    return "en";
  }
  let lang = initial();
  const missing = new Set();

  function t(text, values) {
    let out = text;
    if (lang !== "en") {
      if (Object.prototype.hasOwnProperty.call(TEXT[lang], text)) out = TEXT[lang][text];
      else missing.add(text);
    }
    for (const [k, v] of Object.entries(values || {})) out = out.split("{" + k + "}").join(String(v));
    return out;
  }

  // A sentence the server wrote: in the chosen language when the server sent its template
  // ({template, values}, overlay_api/message_templates.py) and the template has an entry here;
  // else the English as written. Values with an entry of their own (a reason name) are translated too.
  // A value inside a server sentence, as the language writes it: a word with an entry ("once",
  // "price"), a count of times ("3 times"), a percentage ("40%") or a decimal ("0.29").
  function value(v) {
    if (Object.prototype.hasOwnProperty.call(TEXT[lang], v)) return TEXT[lang][v];
    let m;
    if ((m = /^(\d+) times$/.exec(v))) return t("{n} times", { n: m[1] });
    if ((m = /^(\d+(?:\.\d+)?)%$/.exec(v))) return t("{n}%", { n: value(m[1]) });
    if ((m = /^-?\d+\.(\d+)$/.exec(v))) return new Intl.NumberFormat(tag(), { minimumFractionDigits: m[1].length, maximumFractionDigits: m[1].length }).format(Number(v));
    return v;
  }
  function say(text, said) {
    if (!text || lang === "en" || !said || !said.template) return text || "";
    if (!Object.prototype.hasOwnProperty.call(TEXT[lang], said.template)) { missing.add(said.template); return text; }
    const values = {};
    for (const [k, v] of Object.entries(said.values || {})) values[k] = value(v);
    return t(said.template, values);
  }

  // The static English, captured once: [node, original] and [element, attribute, original].
  const ATTRIBUTES = ["aria-label", "placeholder", "title"];
  let texts = null, attrs = null;
  function capture() {
    texts = []; attrs = [];
    for (const root of document.querySelectorAll("[data-i18n-root]")) {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, { acceptNode: (node) =>
        /[A-Za-z]/.test(node.nodeValue) && !node.parentElement.closest("[translate=no], script, style")
          ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT });
      for (let n = walker.nextNode(); n; n = walker.nextNode()) texts.push([n, n.nodeValue]);
      for (const element of [root, ...root.querySelectorAll("*")]) {
        if (element.closest("[translate=no]")) continue;
        for (const a of ATTRIBUTES) if (element.hasAttribute(a)) attrs.push([element, a, element.getAttribute(a)]);
      }
    }
  }
  let title = null;  // the page's own title, in English as written
  function apply() {
    if (texts === null) capture();
    if (title === null) title = document.title;
    for (const [node, original] of texts) {
      const trimmed = original.trim().replace(/\s+/g, " ");
      node.nodeValue = original.replace(original.trim(), () => t(trimmed));
    }
    for (const [element, a, original] of attrs) element.setAttribute(a, t(original));
    document.documentElement.lang = lang;
    document.title = t(title);
    const select = document.getElementById("lang");
    if (select) select.value = lang;
  }
  function set(next) {
    if (!(next in TEXT)) return;
    lang = next;
    try { localStorage.setItem(STORAGE_KEY, next); } catch (e) { /* remembered for this page only */ }
    apply();
    document.dispatchEvent(new CustomEvent("cartcoach:lang", { detail: { lang } }));
  }

  const tag = () => INTL_TAG[lang];
  // An incentive's name: its code in English (as the stores file and campaign rules write it);
  // in another language the translated name with the code after it, so a rule can still be written.
  const incentive = (code) => (lang === "en" || !code ? code : t(code) + " (" + code + ")");
  const number = (v) => (v === null || v === undefined ? "–" : new Intl.NumberFormat(tag()).format(v));
  const money = (v, currency) => {
    if (v === null || v === undefined) return "–";
    if (!/^[A-Z]{3}$/.test(currency || "")) return new Intl.NumberFormat(tag(), { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v);
    return new Intl.NumberFormat(tag(), { style: "currency", currency, currencyDisplay: "narrowSymbol",
      minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v);
  };
  const percent = (v) => (v === null || v === undefined ? "–" :
    new Intl.NumberFormat(tag(), { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v));
  // A UTC calendar day ("2026-11-23") as the language writes it; the report's days are UTC days.
  const day = (iso) => new Intl.DateTimeFormat(tag(), { dateStyle: "medium", timeZone: "UTC" }).format(new Date(iso + "T00:00:00Z"));
  const dateTime = (ms) => new Intl.DateTimeFormat(tag(), { dateStyle: "medium", timeStyle: "short" }).format(new Date(ms));
  const time = (ms) => new Intl.DateTimeFormat(tag(), { timeStyle: "medium" }).format(new Date(ms));
  // A difference of two rates in percentage points, signed ("+1.5 pt", "+1,5 puan").
  const points = (v) => (v === null || v === undefined ? "–" : t("{value} pt", { value:
    new Intl.NumberFormat(tag(), { minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: "always" }).format(v * 100) }));

  document.addEventListener("DOMContentLoaded", () => {
    const select = document.getElementById("lang");
    if (select) {
      select.replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) => {
        const option = document.createElement("option");
        option.value = code; option.textContent = name; option.lang = code;
        return option;
      }));
      select.addEventListener("change", () => set(select.value));
    }
    apply();
  });

  return { t, say, incentive, set, get lang() { return lang; }, missing, number, money, percent, points, day, dateTime, time };
})();
