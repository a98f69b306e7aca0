#!/usr/bin/env python3
"""Builds corpus/safety/*.jsonl from the hand-written sources in src/ and the PII cases below.

Run from the repository root: python3 corpus/safety/generate.py
Deterministic (fixed seed): the same run writes the same files. Checksums (Luhn, IBAN mod-97,
fødselsnummer mod-11, RNOKPP) are computed here, independently of the C# detectors they test.
"""
import datetime, hashlib, json, os, random

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20261202)


def read_src(name):
    with open(os.path.join(HERE, 'src', name), encoding='utf-8') as f:
        return [l.rstrip('\n') for l in f if l.strip() and not l.startswith('#')]


def split(id_):
    """The split rule of corpus/ (CorpusSplit.For): held out ('eval') when the first four bytes of SHA-256(id),
    big-endian, modulo 100 are below 30."""
    return 'eval' if int.from_bytes(hashlib.sha256(id_.encode('utf-8')).digest()[:4], 'big') % 100 < 30 else 'train'


def write(name, rows):
    with open(os.path.join(HERE, name), 'w', encoding='utf-8') as f:
        for r in rows:
            r['split'] = split(r['id'])
            f.write(json.dumps(r, ensure_ascii=False) + '\n')


# ---- traps and positives -------------------------------------------------------------------
traps, positives = [], []
for lang in ('en', 'no', 'uk'):
    for i, line in enumerate(read_src(f'traps-{lang}.txt'), 1):
        word, text = line.split('|', 1)
        traps.append({'id': f'{lang}-trap-{i:03}', 'lang': lang, 'text': text, 'trap': word,
                      'categories': [], 'pii': []})
    for i, line in enumerate(read_src(f'positives-{lang}.txt'), 1):
        cats, risk, text = line.split('|', 2)
        positives.append({'id': f'{lang}-pos-{i:03}', 'lang': lang, 'text': text,
                          'categories': cats.split(','), 'risk': risk, 'pii': []})
write('traps.jsonl', traps)
write('positives.jsonl', positives)


# ---- checksums ---------------------------------------------------------------------------
def luhn_ok(d):
    s, dbl = 0, False
    for c in reversed(d):
        x = int(c)
        if dbl:
            x = x * 2 - 9 if x * 2 > 9 else x * 2
        s += x
        dbl = not dbl
    return s % 10 == 0


def card(prefix, length):
    while True:
        body = prefix + ''.join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
        for c in '0123456789':
            if luhn_ok(body + c):
                return body + c


def iban_check(country, bban):
    s = bban + country + '00'
    n = int(''.join(str(int(c, 36)) for c in s))
    return f'{98 - n % 97:02}'


def iban_ok(iban):
    s = iban[4:] + iban[:4]
    return int(''.join(str(int(c, 36)) for c in s)) % 97 == 1


def iban(country, bban):
    return country + iban_check(country, bban) + bban


W1 = [3, 7, 6, 1, 8, 9, 4, 5, 2]
W2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]


def fnr_control(digits, w):
    k = 11 - sum(int(a) * b for a, b in zip(digits, w)) % 11
    return 0 if k == 11 else (None if k == 10 else k)


def fnr_ok(d):
    k1 = fnr_control(d[:9], W1)
    if k1 is None or k1 != int(d[9]):
        return False
    k2 = fnr_control(d[:10], W2)
    return k2 is not None and k2 == int(d[10])


def fnr(dnumber=False):
    while True:
        date = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(20000))
        day = date.day + (40 if dnumber else 0)
        individual = rng.randrange(0, 500) if date.year < 2000 else rng.randrange(500, 1000)
        base = f'{day:02}{date.month:02}{date.year % 100:02}{individual:03}'
        k1 = fnr_control(base, W1)
        if k1 is None:
            continue
        k2 = fnr_control(base + str(k1), W2)
        if k2 is None:
            continue
        return base + str(k1) + str(k2)


RW = [-1, 5, 7, 9, 4, 6, 10, 5, 7]


def rnokpp_ok(d):
    days = int(d[:5])
    return 10000 <= days <= 55000 and (sum(int(a) * b for a, b in zip(d[:9], RW)) % 11) % 10 == int(d[9])


def rnokpp():
    date = datetime.date(1955, 1, 1) + datetime.timedelta(days=rng.randrange(18000))
    days = (date - datetime.date(1899, 12, 31)).days
    base = f'{days:05}' + ''.join(str(rng.randrange(10)) for _ in range(4))
    return base + str((sum(int(a) * b for a, b in zip(base, RW)) % 11) % 10)


def one_digit_changed(value, ok):
    """The value with one digit changed so that its checksum fails."""
    positions = [i for i, c in enumerate(value) if c.isdigit()]
    while True:
        i = rng.choice(positions[1:] if len(positions) > 4 else positions)
        new = str((int(value[i]) + rng.randrange(1, 10)) % 10)
        changed = value[:i] + new + value[i + 1:]
        if not ok(''.join(c for c in changed if c.isalnum())):
            return changed


def group(s, sizes, sep=' '):
    out, at = [], 0
    for n in sizes:
        out.append(s[at:at + n])
        at += n
    if at < len(s):
        out.append(s[at:])
    return sep.join(x for x in out if x)


def digits(n):
    return ''.join(str(rng.randrange(10)) for _ in range(n))


# ---- PII cases -----------------------------------------------------------------------------
rows = []


def case(lang, template, values, note):
    """template uses {0}, {1}, … for (kind, value) pairs; kind None means a decoy that is not PII."""
    text, spans, at = '', [], 0
    parts = template.split('{')
    text = parts[0]
    for p in parts[1:]:
        idx, rest = p.split('}', 1)
        kind, value = values[int(idx)]
        if kind:
            spans.append({'kind': kind, 'start': len(text), 'length': len(value), 'value': value})
        text += value + rest
    rows.append({'id': f'{lang}-pii-{len(rows) + 1:03}', 'lang': lang, 'text': text,
                 'categories': ['pii'] if spans else [], 'pii': spans, 'note': note})


EMAILS = ['olga.kovalenko@ukr.net', 'ola.nordmann@example.no', 'j.smith+mentor@mail.example.com',
          'ivan_petrenko92@gmail.com', 'kari@firma.no', 'anna-marie.berg@uio.no', 'dmytro.k@i.ua',
          'info@frivillig-sentral.org', 'Maria.Hansen@Outlook.com', 'oleh2001@meta.ua',
          'tor.e.olsen@nav.no', 'yulia.s@proton.me']
TEMPLATES = {
    'email': {'en': ['You can e-mail me at {0} any time.', 'My address is {0}, thanks!', 'Contact: {0}'],
              'no': ['Send meg en e-post på {0}.', 'E-posten min er {0}', 'Skriv til {0} om kurset.'],
              'uk': ['Моя пошта {0}, пишіть.', 'Напишіть мені на {0}.', 'Електронна адреса: {0}']},
}
for i, e in enumerate(EMAILS):
    lang = ['en', 'no', 'uk'][i % 3]
    t = TEMPLATES['email'][lang][i % 3]
    case(lang, t, [('email', e)], 'e-mail')
case('en', 'Write to {0} or {1}.', [('email', 'a.b@example.com'), ('email', 'c_d@example.org')], 'two e-mails')
case('en', 'Our twitter is @mentorship and the site is example.com', [], 'not an e-mail: a handle and a domain')
case('no', 'Møtet er kl. 14.00 @ biblioteket.', [], 'not an e-mail: an at sign')
case('uk', 'Пишіть на адресу ivan@localhost без домену? Ні, це не пошта.', [], 'not an e-mail: no top-level domain')

# Norwegian phones
for i in range(14):
    n = rng.choice(['4' + rng.choice('015678'), '9' + rng.choice('0123456789')]) + digits(6)
    fmt = i % 7
    if fmt == 0:
        case('no', 'Ring meg på {0} etter klokka fire.', [('phone', '+47 ' + group(n, [3, 2, 3]))], 'NO +47 3-2-3')
    elif fmt == 1:
        case('en', 'My number is {0}.', [('phone', '+47' + n)], 'NO +47 compact')
    elif fmt == 2:
        case('no', 'Mobilen min: {0}', [('phone', '0047 ' + group(n, [2, 2, 2, 2]))], 'NO 0047 2-2-2-2')
    elif fmt == 3:
        case('no', 'Du kan nå meg på {0} hele dagen.', [('phone', group(n, [3, 2, 3]))], 'NO local 3-2-3')
    elif fmt == 4:
        case('no', 'Nummeret mitt er {0}.', [('phone', group(n, [2, 2, 2, 2]))], 'NO local 2-2-2-2')
    elif fmt == 5:
        case('no', 'Send sms til {0} hvis du blir forsinket.', [('phone', n)], 'NO local 8 digits with a cue')
    else:
        case('uk', 'Мій норвезький номер {0}, пишіть у вайбер.', [('phone', n)], 'NO local 8 digits in a Ukrainian text')
case('no', 'Sentralbordet: {0}', [('phone', '+47 22 33 44 55')], 'NO landline 2-2-2-2')
case('en', 'Call the office on {0}.', [('phone', '+47 23 45 67 89')], 'NO landline')

# Ukrainian phones
OPS = ['50', '63', '66', '67', '68', '73', '93', '95', '96', '97', '98', '99']
for i in range(14):
    op, rest = rng.choice(OPS), digits(7)
    fmt = i % 7
    if fmt == 0:
        case('uk', 'Мій номер {0}, дзвоніть увечері.', [('phone', f'+380 {op} {rest[:3]} {rest[3:5]} {rest[5:]}')], 'UA +380 spaced')
    elif fmt == 1:
        case('uk', 'Телефон: {0}', [('phone', f'+380{op}{rest}')], 'UA +380 compact')
    elif fmt == 2:
        case('uk', 'Пишіть на {0} у телеграм.', [('phone', f'+38 (0{op}) {rest[:3]}-{rest[3:5]}-{rest[5:]}')], 'UA +38 (0XX)')
    elif fmt == 3:
        case('uk', 'Мій мобільний {0}.', [('phone', f'0{op} {rest[:3]} {rest[3:5]} {rest[5:]}')], 'UA local 0XX spaced')
    elif fmt == 4:
        case('uk', 'Зателефонуйте {0} після обіду.', [('phone', f'(0{op}) {rest[:3]}-{rest[3:5]}-{rest[5:]}')], 'UA local (0XX)')
    elif fmt == 5:
        case('en', 'My Ukrainian number is {0}.', [('phone', f'0{op}{rest}')], 'UA local compact in an English text')
    else:
        case('no', 'Det ukrainske nummeret mitt er {0}.', [('phone', f'0{op}-{rest[:3]}-{rest[3:5]}-{rest[5:]}')], 'UA local dashes in a Norwegian text')

# other international numbers
for value, note in [('+44 20 7031 3000', 'GB London'), ('+1 650 253 0000', 'US'), ('+46 70 123 45 67', 'SE mobile'),
                    ('+48 512 345 678', 'PL mobile'), ('+49 30 303986300', 'DE Berlin'), ('+358 40 1234567', 'FI mobile'),
                    ('+45 32 12 34 56', 'DK'), ('+33 1 42 68 53 00', 'FR Paris')]:
    case('en', 'You can reach my brother on {0}.', [('phone', value)], 'international ' + note)
case('en', 'Phone {0} or e-mail {1}.', [('phone', '+47 412 34 567'), ('email', 'ola@example.no')], 'phone and e-mail')
case('no', 'Ring {0} eller {1}.', [('phone', '+47 917 65 432'), ('phone', '+380 67 765 43 21')], 'two phones')

# cards
CARD_KINDS = [('4', 16, [4, 4, 4, 4]), ('5', 16, [4, 4, 4, 4]), ('37', 15, [4, 6, 5]), ('6011', 16, [4, 4, 4, 4]),
              ('2221', 16, [4, 4, 4, 4]), ('4', 13, [4, 4, 5]), ('35', 16, [4, 4, 4, 4]), ('62', 19, [4, 4, 4, 4, 3])]
for i, (prefix, length, sizes) in enumerate(CARD_KINDS * 2):
    c = card(prefix, length)
    sep = [' ', '-', ''][i % 3]
    value = group(c, sizes, sep) if sep else c
    lang = ['en', 'no', 'uk'][i % 3]
    t = {'en': 'My card is {0}, can you refund it?', 'no': 'Kortnummeret mitt er {0}.', 'uk': 'Номер картки {0}, поверніть гроші.'}[lang]
    case(lang, t, [('card', value)], f'card {prefix} {length} digits')
    bad = one_digit_changed(value, luhn_ok)
    case(lang, t, [(None, bad)], 'card with one digit changed (Luhn fails)')

# IBANs
def no_iban():
    return iban('NO', digits(11))
def ua_iban():
    return iban('UA', digits(6) + '0000' + digits(15))
def gb_iban():
    return iban('GB', rng.choice(['NWBK', 'BARC', 'HBUK', 'LOYD']) + digits(14))
def de_iban():
    return iban('DE', digits(18))
def pl_iban():
    return iban('PL', digits(24))
for i, make in enumerate([no_iban, ua_iban, gb_iban, de_iban, pl_iban] * 3):
    v = make()
    assert iban_ok(v)
    value = group(v, [4] * 8) if i % 2 == 0 else v
    lang = ['no', 'uk', 'en'][i % 3]
    t = {'en': 'Please pay to IBAN {0} by Friday.', 'no': 'Kontoen min: {0}', 'uk': 'Мій рахунок IBAN {0}.'}[lang]
    case(lang, t, [('iban', value)], 'IBAN ' + v[:2])
    bad = one_digit_changed(value, iban_ok)
    case(lang, t, [(None, bad)], 'IBAN with one digit changed (mod-97 fails)')

# fødselsnummer
for i in range(14):
    v = fnr(dnumber=i % 4 == 3)
    assert fnr_ok(v)
    value = v if i % 3 else v[:6] + ' ' + v[6:]
    lang = 'no' if i % 2 == 0 else 'en'
    t = {'no': 'Fødselsnummeret mitt er {0}.', 'en': 'My Norwegian ID number is {0}.'}[lang]
    case(lang, t, [('fodselsnummer', value)], 'fødselsnummer' + (' (D-number)' if i % 4 == 3 else ''))
    bad = one_digit_changed(value, fnr_ok)
    case(lang, t, [(None, bad)], 'fødselsnummer with one digit changed (mod-11 fails)')
case('no', 'Personnummer {0}', [(None, '31029912345')], 'fødselsnummer-shaped with an impossible date (31 Feb)')

# RNOKPP
for i in range(14):
    v = rnokpp()
    assert rnokpp_ok(v)
    lang = 'uk' if i % 2 == 0 else 'en'
    t = {'uk': 'Мій РНОКПП {0}, для договору.', 'en': 'My Ukrainian tax number is {0}.'}[lang]
    case(lang, t, [('rnokpp', v)], 'RNOKPP')
    bad = one_digit_changed(v, rnokpp_ok)
    case(lang, t, [(None, bad)], 'RNOKPP with one digit changed (check digit fails)')

# numbers that are not PII
DECOYS = [
    ('en', 'The next session is on {0}.', '12.05.2024', 'date'),
    ('en', 'Deadline {0} at noon.', '2024-05-12', 'ISO date'),
    ('en', 'I started on {0}.', '12/05/2024', 'date with slashes'),
    ('no', 'Kurset kostet {0}.', '1 299 kr', 'price'),
    ('no', 'Husleia er kr {0} i måneden.', '12 500', 'price'),
    ('no', 'Leiligheten kostet {0} kroner.', '3 450 000', 'big price'),
    ('uk', 'Квиток коштував {0}.', '450 грн', 'price'),
    ('en', 'The laptop was {0}.', '$1,299.99', 'price'),
    ('en', 'Your order {0} has shipped.', '#10023345', 'order number'),
    ('no', 'Ordre {0} er sendt.', '48213377', 'order number shaped like a NO mobile'),
    ('no', 'Bestillingsnummer: {0}', '91234567', 'order number shaped like a NO mobile'),
    ('uk', 'Номер замовлення № {0}', '0671234567', 'order number shaped like a UA phone'),
    ('no', 'Kontonummeret er {0}.', '1234.56.78903', 'Norwegian account number, not an IBAN'),
    ('en', 'We meet from {0}.', '14:30–16:00', 'times'),
    ('en', 'I worked there {0}.', '2019-2023', 'years'),
    ('no', 'Jeg jobbet der {0}.', '2019 – 2023', 'years'),
    ('no', 'Adressen er Storgata 1, {0} Oslo.', '0150', 'postcode'),
    ('uk', 'Адреса: вул. Хрещатик 1, {0} Київ.', '01001', 'postcode'),
    ('en', 'Update to version {0}.', 'v2.3.1', 'version'),
    ('en', 'Oslo has about {0} people.', '709 037', 'population'),
    ('no', 'Saksnummer {0}', '12345678901', '11 digits, a case number'),
    ('uk', 'Номер накладної {0}', '2045678912', '10 digits, a waybill'),
    ('en', 'Tracking number {0}', '4000 1234 5678 9011', '16 digits that fail Luhn'),
    ('no', 'Vi var {0} deltakere i fjor.', '1 250', 'count'),
    ('en', 'Room {0}, floor 3.', '204', 'room'),
    ('uk', 'Зустріч о {0}.', '18:00', 'time'),
    ('no', 'Møtet er {0} kl. 10.', '15.03.2025', 'date'),
    ('en', 'Ref {0}', 'NO12 3456 7890', 'IBAN-shaped, too short'),
    ('en', 'Invalid test number {0}', '+47 123 45 678', 'NO number starting with 1 (not a valid range)'),
    ('uk', 'Рахунок-фактура {0} від {1}', '2024-118', 'invoice number'),
    ('en', 'I scored {0} points.', '98 765', 'score'),
    ('no', 'Temperaturen var {0} grader.', '-12', 'temperature'),
    ('en', 'My ISBN is {0}.', '978-3-16-148410-0', 'ISBN'),
]
for lang, t, v, note in DECOYS:
    if '{1}' in t:
        case(lang, t, [(None, v), (None, '12.03.2024')], 'not PII: ' + note)
    else:
        case(lang, t, [(None, v)], 'not PII: ' + note)

write('pii.jsonl', rows)
print(f'traps {len(traps)}, positives {len(positives)}, pii cases {len(rows)} '
      f'({sum(len(r["pii"]) for r in rows)} labelled spans)')
