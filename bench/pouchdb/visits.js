'use strict';
// Deterministic visit documents shaped like Uppsök's `Visit` (core/model/src/visit.rs), for the
// PouchDB peer of the sync benchmark. The same seed and count always give the same documents.

// sfc32 seeded through a string hash: small, fast and the same on every Node version.
function xmur3(str) {
  let h = 1779033703 ^ str.length;
  for (let i = 0; i < str.length; i++) {
    h = Math.imul(h ^ str.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  return function () {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  };
}

function rng(seed) {
  const s = xmur3(String(seed));
  let a = s(), b = s(), c = s(), d = s();
  const next = function () {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return {
    float: next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), // inclusive
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    chance: (p) => next() < p,
    u32: () => Math.floor(next() * 4294967296) >>> 0,
  };
}

function hex(n, width) {
  return n.toString(16).padStart(width, '0');
}

// A UUID version 7 (time-ordered, as `Uuid::now_v7()` makes them) with a seeded random part.
function uuidV7(r, ms) {
  const t = hex(ms, 12);
  const ra = hex(r.u32() & 0x0fff, 3);
  const rb = hex((r.u32() & 0x3fff) | 0x8000, 4);
  const rc = hex(r.u32(), 8) + hex(r.u32() & 0xffff, 4);
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${ra}-${rb}-${rc}`;
}

const PLACES = [
  'Töre', 'Morjärv', 'Sangis', 'Risögrund', 'Kalix', 'Nikkala', 'Båtskärsnäs', 'Påläng',
  'Karlsborg', 'Rolfs', 'Vitvattnet', 'Överkalix', 'Lansjärv', 'Korpilombolo', 'Seskarö',
  'Haparanda', 'Nyborg', 'Ytterbyn', 'Bondersbyn', 'Gäddvik', 'Råneå', 'Niemisel', 'Vitå',
  'Storsund', 'Sandvik', 'Armasjärvi', 'Svartbyn', 'Björkfors', 'Harads',
];

const FIRST = ['anna', 'erik', 'maria', 'lars', 'karin', 'johan', 'elin', 'per', 'sara', 'nils',
  'ingrid', 'mikael', 'linnea', 'oskar', 'hanna', 'goran'];
const LAST = ['lindqvist', 'nilsson', 'lundberg', 'johansson', 'isaksson', 'björk', 'wikström',
  'nystrom', 'granstrom', 'ohman', 'berglund', 'marklund']; // usernames are ASCII only

const CONTACTS = [
  // [contact, weight, minutes range, settings that fit]
  ['face_to_face', 55, [20, 120], ['home', 'home', 'home', 'community', 'office', 'inpatient']],
  ['phone', 25, [5, 40], [null]],
  ['video', 5, [10, 45], [null]],
  ['message', 8, [5, 15], [null]],
  ['attempted', 7, [5, 60], ['home', 'community', null]],
];

// Fragments of case notes: who, what happened, how it went, what next. Combined at random to a
// note of 100–250 characters, so documents vary in length the way real notes do.
const OPENERS = {
  face_to_face: [
    'Hembesök tillsammans med kollega.',
    'Träffade klienten i köket, kaffe och samtal.',
    'Klienten mötte upp vid affären i byn.',
    'Besök efter överenskommelse förra veckan.',
    'Promenad längs älven under samtalet.',
    'Kort avstämning, klienten hade bråttom.',
    'Mamman och brodern deltog en stund.',
    'Samtal i bilen på väg till vårdcentralen.',
  ],
  phone: [
    'Telefonsamtal på förmiddagen.',
    'Klienten ringde själv, lät piggare än sist.',
    'Kort samtal, dålig täckning i byn.',
  ],
  video: ['Videosamtal via plattan, fungerade efter en stund.', 'Videomöte med klienten och sonen.'],
  message: ['Sms-kontakt under dagen.', 'Klienten svarade på sms efter lunch.'],
  attempted: [
    'Ingen öppnade, lämnade lapp i brevlådan.',
    'Åkte ut men klienten var inte hemma.',
    'Ringde tre gånger utan svar.',
  ],
};
const MIDDLES = [
  'Sover bättre sedan medicinen justerades.',
  'Oro inför räkningarna, vi gick igenom budgeten.',
  'Berättar om ensamhet under vintern, mörkret tär.',
  'Har börjat laga mat själv igen, stolt över det.',
  'Vill ha hjälp att kontakta Försäkringskassan.',
  'Konflikt med grannen om snöröjningen.',
  'Tar medicinen enligt ordination, inga biverkningar nämnda.',
  'Rökning oförändrad, ca ett paket i veckan.',
  'Har varit ute med skotern och fiskat på isen.',
  'Humöret lågt, men tackade ja till nästa besök.',
  'Diskuterade arbetsträning på återvinningen i Kalix.',
  'Ekonomin stabil denna månad, hyran betald i tid.',
  'Kontakt med dottern har återupptagits.',
  'Missade tiden hos psykiatrin, ny tid bokad.',
];
const CLOSERS = [
  'Nästa besök om en vecka.',
  'Ringer upp på torsdag.',
  'Följer upp med läkaren.',
  'Planen oförändrad.',
  'Tar med blanketten nästa gång.',
  'Stämmer av med teamet på måndag.',
  'Skjuts till apoteket ordnad.',
];

function note(r, contact) {
  const target = r.int(100, 250);
  const parts = [r.pick(OPENERS[contact])];
  let len = parts[0].length;
  const used = new Set();
  while (len < target - 25) {
    const m = r.pick(MIDDLES);
    if (used.has(m)) {
      if (used.size >= MIDDLES.length) break;
      continue;
    }
    used.add(m);
    parts.push(m);
    len += m.length + 1;
  }
  const c = r.pick(CLOSERS);
  if (len + c.length + 1 <= 250) parts.push(c);
  let text = parts.join(' ');
  if (text.length > 250) {
    text = text.slice(0, 250);
    text = text.slice(0, text.lastIndexOf(' ')).replace(/[,\s]+$/, '') + '.';
  }
  return text;
}

function pickWeighted(r, table) {
  const total = table.reduce((s, row) => s + row[1], 0);
  let x = r.float() * total;
  for (const row of table) {
    if ((x -= row[1]) < 0) return row;
  }
  return table[table.length - 1];
}

/**
 * `n` visit documents for seed `seed`. `_id` is the visit id (a UUID v7); the other fields have
 * Uppsök's names and JSON shapes (snake_case enums, `null` for an absent setting/place/note).
 */
function makeVisits(n, seed) {
  const r = rng(`uppsok-visits:${seed}`);
  const staff = [];
  while (staff.length < 14) {
    const u = `${r.pick(FIRST)}.${r.pick(LAST)}`;
    if (!staff.includes(u)) staff.push(u);
  }
  const clientStart = Date.UTC(2025, 0, 1);
  const clients = Array.from({ length: 400 }, () =>
    uuidV7(r, clientStart + r.int(0, 300 * 86400) * 1000));
  const from = Date.UTC(2026, 0, 5, 0, 0, 0);
  const docs = [];
  for (let i = 0; i < n; i++) {
    const author = r.pick(staff);
    const visitStaff = [author];
    if (r.chance(0.3)) {
      let other = r.pick(staff);
      while (other === author) other = r.pick(staff);
      visitStaff.push(other);
    }
    const [contact, , [mlo, mhi], settings] = pickWeighted(r, CONTACTS);
    const day = r.int(0, 300);
    const minuteOfDay = r.int(7 * 12, 18 * 12) * 5; // 07:00–18:00 in 5-minute steps
    const startMs = from + day * 86400000 + minuteOfDay * 60000;
    const setting = r.pick(settings);
    const inPerson = contact === 'face_to_face' || contact === 'attempted';
    docs.push({
      _id: uuidV7(r, startMs + r.int(60, 7200) * 1000),
      client: r.pick(clients),
      author,
      staff: visitStaff,
      start: new Date(startMs).toISOString().replace('.000Z', 'Z'),
      minutes: r.int(mlo, mhi),
      contact,
      setting,
      network: r.chance(0.2),
      place: inPerson || r.chance(0.3) ? r.pick(PLACES) : null,
      note: contact === 'attempted' && r.chance(0.5) ? null : note(r, contact),
    });
  }
  return docs;
}

module.exports = { makeVisits, rng };
