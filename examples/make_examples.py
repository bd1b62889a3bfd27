"""Generate the example datasets used by the README tour and the tests.

Writes, next to this script:

* ``support-good.jsonl``: 60 valid chat fine-tuning examples for "Spokewise", a
  fictional online bike-parts shop (plain Q&A, multi-turn, tool use, ``weight``).
* ``support-bad.jsonl``: 24 lines in the same style, with exactly one planted
  defect on each line listed in ``BAD_LINES`` (every other line is valid).
* ``tiny.jsonl``: 3 valid examples, too few to train on.
* ``README.md``: the ``BAD_LINES`` table (line -> defect).

Stdlib only and deterministic: running it twice produces identical bytes.

    python examples/make_examples.py
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import re
import string
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

Message = dict[str, Any]
Example = dict[str, Any]
Builder = Callable[[random.Random], Example]

HERE = Path(__file__).resolve().parent
SEED = 7

# 1-based line numbers in support-bad.jsonl -> the single defect planted there.
BAD_LINES: dict[int, str] = {
    3: 'messages[0] has role "developer" (not a fine-tuning role)',
    5: "last message is a user message; the example has no assistant message",
    7: 'assistant message with "weight": 2 (only 0 or 1 allowed)',
    9: "broken JSON: the closing brace at the end of the line is missing",
    11: "tool message's tool_call_id does not match the preceding assistant tool call id",
    13: 'assistant tool call whose "arguments" is a JSON object, not a string',
    15: 'user message with no "content" key',
    17: 'assistant reply contains the literal text "<|endoftext|>"',
    19: 'extra top-level key "metadata": {"source": "zendesk"}',
    21: "system message at messages[2], after the user turn",
    23: 'tool call to "cancel_order", which is not in the example\'s tools',
}

# ---------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------

_LIST_ITEM = re.compile(r"^(?:[-*]|\d+\.)\s")


def prose(raw: str) -> str:
    """Unwrap a triple-quoted block: lines join with spaces, blank lines split
    paragraphs, and list items ("- ", "1. ") keep their own line."""
    paragraphs: list[str] = []
    for block in textwrap.dedent(raw).strip().split("\n\n"):
        out: list[str] = []
        for line in (ln.strip() for ln in block.splitlines()):
            if out and not _LIST_ITEM.match(line):
                out[-1] += " " + line
            else:
                out.append(line)
        paragraphs.append("\n".join(out))
    return "\n\n".join(paragraphs)


EN_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ES_DAYS = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
ES_MONTHS = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]
DE_DAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
DE_MONTHS = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]


def en_date(d: dt.date) -> str:
    return f"{EN_DAYS[d.weekday()]} {d.day} {d.strftime('%B')}"


def es_date(d: dt.date) -> str:
    return f"el {ES_DAYS[d.weekday()]} {d.day} de {ES_MONTHS[d.month - 1]}"


def de_date(d: dt.date) -> str:
    return f"{DE_DAYS[d.weekday()]}, den {d.day}. {DE_MONTHS[d.month - 1]}"


def add_business_days(d: dt.date, n: int) -> dt.date:
    while n > 0:
        d += dt.timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


# ---------------------------------------------------------------------------
# Shop data
# ---------------------------------------------------------------------------

SYSTEM_PROMPTS = [
    prose(
        """
        You are the customer support assistant for Spokewise, an online shop for bicycle
        parts and accessories. Be friendly, concise and accurate, and reply in the
        customer's language.
        """
    ),
    prose(
        """
        You are Sprocket, Spokewise's support assistant. Spokewise is an online bike-parts
        shop based in Utrecht that ships to the EU, the UK and the US. Help customers with
        orders, shipping, returns and compatibility questions, and reply in the language
        the customer uses. If you are not sure whether two parts are compatible, say so
        instead of guessing.
        """
    ),
    prose(
        """
        Spokewise customer support. Policies: free returns of unused parts within 30 days
        of delivery; 2-year warranty on manufacturing defects; free EU shipping on orders
        over €60 (otherwise €6.95); standard delivery takes 2-4 business days in the EU and
        5-8 business days to the UK and US. Keep answers short unless the customer asks for
        detail. Match the customer's language.
        """
    ),
]

TOOL_SYSTEM_PROMPT = prose(
    """
    You are the customer support assistant for Spokewise, an online bike-parts shop.
    Use the tools to look up orders, check stock and create returns; never guess order
    details or stock levels. Returns are free for unused parts within 30 days of
    delivery. Reply in the customer's language.
    """
)

RETURN_REASONS = ["wrong_size", "incompatible", "damaged", "faulty", "changed_mind", "other"]

TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "lookup_order",
            "description": "Look up a Spokewise order: status, items, carrier and tracking.",
            "parameters": {
                "type": "object",
                "properties": {
                    "order_id": {
                        "type": "string",
                        "description": "Spokewise order number, e.g. SW-104233",
                    }
                },
                "required": ["order_id"],
                "additionalProperties": False,
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "check_stock",
            "description": "Check warehouse stock for a product, optionally for one size.",
            "parameters": {
                "type": "object",
                "properties": {
                    "sku": {"type": "string", "description": "Product SKU, e.g. SW-CH-1142"},
                    "size": {
                        "type": "string",
                        "description": "Size variant for sized products, e.g. M or 42",
                    },
                },
                "required": ["sku"],
                "additionalProperties": False,
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "create_return",
            "description": "Open a return for an order and get a prepaid return label.",
            "parameters": {
                "type": "object",
                "properties": {
                    "order_id": {"type": "string", "description": "Spokewise order number"},
                    "reason": {
                        "type": "string",
                        "enum": RETURN_REASONS,
                        "description": "Why the customer is returning the item(s)",
                    },
                },
                "required": ["order_id", "reason"],
                "additionalProperties": False,
            },
        },
    },
]

PRODUCTS: dict[str, str] = {
    "SW-CH-1142": "KMC X11 11-speed chain",
    "SW-CH-1260": "Shimano CN-M8100 12-speed chain",
    "SW-GL-2231": "Velora Trail gloves",
    "SW-HE-5520": "Ridgeline Aero helmet",
    "SW-AP-3108": "Ridgeline Pro bib shorts",
    "SW-TY-7028": "Continental Grand Prix 5000 700x28",
    "SW-TY-7032": "Continental Grand Prix 5000 700x32",
    "SW-LT-0412": "Lumo R40 rear light",
    "SW-HG-0907": "Derailleur hanger #07",
    "SW-BT-1100": "Spokewise Gel bar tape, black",
    "SW-BP-0553": "Shimano L05A resin disc brake pads",
    "SW-TV-6002": "Spokewise tubeless valves 60 mm (pair)",
}

CARRIERS = ["DHL", "PostNL", "DPD", "GLS"]
BASE_DATE = dt.date(2024, 9, 2)
ALNUM = string.ascii_letters + string.digits


def call_id(rng: random.Random) -> str:
    return "call_" + "".join(rng.choices(ALNUM, k=8))


def order_id(rng: random.Random) -> str:
    return f"SW-{rng.randint(100000, 999999)}"


def tracking_number(rng: random.Random, carrier: str) -> str:
    digits = "".join(rng.choices(string.digits, k=12))
    prefix = {"DHL": "JJD", "PostNL": "3S", "DPD": "05", "GLS": "ZX"}[carrier]
    return prefix + digits


def some_date(rng: random.Random) -> dt.date:
    d = BASE_DATE + dt.timedelta(days=rng.randint(0, 40))
    while d.weekday() >= 5:
        d += dt.timedelta(days=1)
    return d


# ---------------------------------------------------------------------------
# Message helpers
# ---------------------------------------------------------------------------


def system(rng: random.Random) -> Message:
    return {"role": "system", "content": rng.choice(SYSTEM_PROMPTS)}


def user(text: str, name: str | None = None) -> Message:
    msg: Message = {"role": "user", "content": prose(text)}
    if name is not None:
        msg["name"] = name
    return msg


def assistant(text: str, weight: int | None = None) -> Message:
    msg: Message = {"role": "assistant", "content": prose(text)}
    if weight is not None:
        msg["weight"] = weight
    return msg


def tool_call(rng: random.Random, name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": call_id(rng),
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(args, ensure_ascii=False)},
    }


def calling(rng: random.Random, *calls: dict[str, Any]) -> Message:
    """An assistant turn that only calls tools: content is null or absent."""
    msg: Message = {"role": "assistant"}
    if rng.random() < 0.5:
        msg["content"] = None
    msg["tool_calls"] = list(calls)
    return msg


def answer(call: dict[str, Any], result: dict[str, Any]) -> Message:
    return {
        "role": "tool",
        "tool_call_id": call["id"],
        "content": json.dumps(result, ensure_ascii=False),
    }


def tool_example(messages: list[Message], **extra: Any) -> Example:
    return {"messages": messages, "tools": copy.deepcopy(TOOLS), **extra}


# ---------------------------------------------------------------------------
# Plain single-turn Q&A (English, Spanish, German)
# ---------------------------------------------------------------------------

SINGLE_TURN: list[tuple[str, str]] = [
    (
        "Hi, how long does shipping to Germany usually take?",
        """
        Standard shipping to Germany takes 2-4 business days once your order has left our
        warehouse in Utrecht. Need it sooner? Express delivery (next business day) is
        available for orders placed before 14:00 CET.
        """,
    ),
    (
        "do you ship to canada",
        """
        Not at the moment, sorry! We currently ship to the EU, the UK and the US. Canada is
        on our list, and we'll announce it in our newsletter as soon as it's available.
        """,
    ),
    (
        "Is a Shimano 105 R7000 chain compatible with an Ultegra R8000 cassette?",
        """
        Yes. Both are Shimano 11-speed road groupsets, so any Shimano 11-speed chain,
        including the 105 HG601 and the Ultegra HG701, works with an R8000 cassette. Just
        size the chain for your largest chainring and largest cog, and use a new connecting
        pin or quick link when you join it.
        """,
    ),
    (
        "What's your return policy?",
        """
        You can return unused parts in their original packaging within 30 days of delivery,
        and returns are free. Start a return from your account under Orders > Return an
        item, or send me your order number and I'll set it up for you.

        Parts that have been installed or ridden can only be returned if they're faulty, in
        which case our 2-year warranty applies.
        """,
    ),
    (
        """
        I'm converting my gravel bike to tubeless for the first time. What do I need to buy,
        and is there anything I should know before I start? The rims say "tubeless ready"
        and I'm running 700x40 tyres.
        """,
        """
        Nice project! Tubeless is well worth it on a gravel bike: lower pressures, more grip
        and far fewer flats. Here's what you'll need:

        - Tubeless rim tape, about 2-3 mm wider than your inner rim width (skip it if your
          wheels came taped)
        - Two tubeless valves long enough for your rims (44 mm suits most gravel rims)
        - Tubeless-ready tyres, because standard tyres won't seal reliably
        - Sealant, roughly 40-60 ml per tyre for 700x40
        - A valve core tool, and ideally a tubeless inflator or a track pump with a charge
          chamber

        A few tips before you start:

        1. Clean the rim bed thoroughly before taping, keep the tape tight, and overlap it
           by about 10 cm at the valve hole.
        2. Seat the tyre beads without sealant first. Once they pop into place, deflate,
           remove the valve core and add the sealant through the valve.
        3. After inflating, spin and shake the wheel so the sealant coats the whole casing,
           then lay it on its side for a few minutes, flipping it now and then.
        4. Expect to lose some pressure the first night. That's normal while the sealant
           settles into the bead.

        Top up the sealant every 2-4 months depending on the heat and how much you ride. If
        you tell me your inner rim width, I can put together a list of matching parts.
        """,
    ),
    (
        "Which brake pads fit SRAM Level T brakes?",
        """
        Level T calipers use the same pad shape as SRAM's Level, Elixir and DB brakes, so
        look for pads labelled "Level/Elixir/DB" in the product title. We stock organic pads
        (quieter, with a stronger initial bite) and sintered pads (they last longer and cope
        better with wet, muddy riding). If in doubt, compare your old pads with the product
        photos before ordering.
        """,
    ),
    (
        "Hey, can I change the delivery address after I've placed my order?",
        """
        If your order hasn't shipped yet, yes. Send me your order number and the new address
        and I'll check whether it's still possible. Once a parcel has left our warehouse we
        can't redirect it, but the carrier's tracking page usually lets you choose another
        delivery option.
        """,
    ),
    (
        "Do you have a physical store I can visit?",
        """
        We're online only, so there's no shop to visit, and our warehouse in Utrecht doesn't
        offer pick-up either, sorry!
        """,
    ),
    (
        "What payment methods do you accept?",
        """
        Visa, Mastercard, American Express, PayPal, iDEAL, Bancontact, Apple Pay and Google
        Pay. In some countries you can also pay later with Klarna.
        """,
    ),
    (
        "My discount code SPRING15 isn't working at checkout??",
        """
        Sorry about that! SPRING15 was part of our spring sale, which ended on 31 May, so it
        can't be applied anymore. If you're subscribed to our newsletter, you'll get the next
        code as soon as it goes live. If you have a code you think should still be valid,
        send it over and I'll take a look.
        """,
    ),
    (
        "what torque should i use on a carbon seatpost clamp",
        """
        Always go by the maximum torque printed on the clamp or the frame; for carbon posts
        it's usually 5-6 Nm. Use carbon assembly paste so the post holds at a lower clamping
        force, and use a torque wrench rather than guessing: overtightening is the most
        common way carbon seatposts get damaged.
        """,
    ),
    (
        "Do you sell gift cards? My brother's birthday is next week 🎁",
        """
        We do! Digital gift cards are available from €20 to €250, are valid for 2 years and
        arrive by email, so you can even schedule one to land on his birthday 🎉
        """,
    ),
    (
        """
        How do I figure out which bottom bracket I need? I'm buying a new crankset and the
        shop page lists like 10 different BBs 😵
        """,
        """
        Totally understandable, bottom brackets are one of the most confusing parts of a
        bike! You need two things: the shell standard of your frame and the spindle diameter
        of your crankset.

        Frame shell: look at where the cranks pass through the frame.
        - If the cups screw in from the outside, it's a threaded shell, most often BSA (68 mm
          wide on road bikes, 68 or 73 mm on mountain bikes) or, less commonly, Italian.
        - If there are no threads and the bearings are pressed in, it's a press-fit standard
          such as BB86/BB92, BB30, PF30 or BB386EVO. Measuring the shell's width and inner
          diameter tells you which one.

        Crankset spindle: it's listed on the crankset's product page, typically 24 mm
        (Shimano Hollowtech II), 30 mm, or SRAM DUB (28.99 mm).

        Then pick the bottom bracket that matches both, for example "BSA 68 mm for 24 mm
        spindle". If you send me your frame model and the crankset you're looking at, I'll
        tell you exactly which one to get.
        """,
    ),
    (
        "Can I still cancel my order? Placed it about an hour ago.",
        """
        Probably, yes! Orders usually leave our warehouse within one business day, so the
        sooner we catch it the better. Send me your order number and I'll check straight
        away whether it has been packed yet.
        """,
    ),
    (
        """
        Hello, I ordered black bar tape and received red 🙃 Not a disaster but I'd like the
        black one please.

        Björn
        """,
        """
        Sorry about the mix-up, Björn! Please keep the red tape in its packaging. If you
        send me your order number, I'll ship the black tape today and email you a free
        return label for the red one, so you won't pay anything for our mistake.
        """,
    ),
    (
        "Is there a warranty on the wheels you sell?",
        """
        Yes, all wheels come with a 2-year warranty against manufacturing defects such as
        cracked rims, failing hubs or spokes that loosen under normal use. Crash damage isn't
        covered, but several wheel brands run their own crash replacement programmes; the
        details are on each product page.
        """,
    ),
    (
        "do u ship on weekends",
        "We ship Monday to Friday; orders placed at the weekend go out on Monday.",
    ),
    (
        "How can I track my parcel?",
        """
        You'll get an email with a tracking link as soon as your parcel ships, and you can
        also find it in your account under Orders. Can't find the email? Check your spam
        folder, or send me your order number and I'll look it up.
        """,
    ),
    (
        "Does the Spokewise Pro chain tool work with 12-speed chains?",
        """
        Yes, the Spokewise Pro chain tool handles 5- to 12-speed chains. Keep in mind that
        12-speed chains are normally joined with a quick link rather than a pin, so a pair
        of quick-link pliers is a handy addition.
        """,
    ),
    (
        """
        Hi there, the saddle I bought from you creaks every time I pedal. It's only a week
        old. Any ideas before I send it back?
        """,
        """
        Sorry to hear that, a creak can ruin a ride! Saddle creaks usually come from the
        clamp rather than the saddle itself, so it's worth trying this first:

        1. Remove the saddle, clean the rails and the seatpost clamp, and apply a thin layer
           of grease (or carbon paste if the rails are carbon).
        2. Reinstall it and tighten the clamp bolts to the torque printed on the seatpost.
        3. If it still creaks, put a drop of light oil where the rails enter the shell.

        If none of that helps, the saddle may have a defect, and it's covered by our 2-year
        warranty. Just reply with your order number and a short video of the noise, and
        we'll sort out a replacement.
        """,
    ),
    (
        """
        I'm building my first bike from a bare frame: steel road frame, threaded BSA bottom
        bracket, 27.2 mm seatpost, rim brakes. What do I actually need to order? I don't want
        to start and realise I forgot something.
        """,
        """
        Great project! Here's a checklist, with the measurements to check before you order.

        Steering
        - Headset: check your head tube standard (most steel road frames use a 1 1/8"
          threaded or threadless headset with external cups)
        - Fork, if it didn't come with the frame
        - Stem and handlebar: the stem must match the steerer (usually 1 1/8") and the bar
          clamp (usually 31.8 mm)

        Drivetrain
        - Shifters, front and rear derailleur (check whether your frame has a braze-on
          mount for the front derailleur or needs a clamp, and measure the seat tube)
        - Crankset plus a BSA bottom bracket that matches its spindle
        - Cassette and chain with the same number of speeds as your shifters

        Brakes
        - Rim brake calipers with the right reach: measure from the brake bolt hole to the
          middle of the braking surface
        - Brake and shift cables, housing and ferrules

        Wheels and contact points
        - Wheels: check the rear dropout spacing (130 mm on most modern steel road frames)
        - Tyres, inner tubes and rim tape
        - Seatpost (27.2 mm), seatpost clamp if the frame doesn't have one built in, saddle
        - Pedals, bar tape and bottle cages

        Tools worth having: a torque wrench, cable cutters, hex keys, a chain tool and a
        bottom bracket tool for your BB. If you send me your frame model, I'm happy to
        double-check the headset and front derailleur standards for you.
        """,
    ),
    (
        "Can I get an invoice with my company's VAT number on it?",
        """
        Yes. Tick "Business purchase" at checkout and add your company name and VAT number.
        If you've already ordered, send me the order number and VAT number and we'll reissue
        the invoice within 2 business days. For EU businesses outside the Netherlands with a
        valid VAT number, the reverse charge applies.
        """,
    ),
    (
        "How often should I replace my chain?",
        """
        It depends more on wear than on time. Check it every 1,000 km or so with a chain
        checker: replace it at 0.5% wear on 11- and 12-speed drivetrains, or 0.75% on 8- to
        10-speed. Changing the chain on time can make your cassette and chainrings last two
        or three chains longer.
        """,
    ),
    (
        """
        My MTB fork says minimum rotor size 180mm. Can I run a 160 rotor to save a bit of
        weight?
        """,
        """
        Please don't. The minimum rotor size is a safety limit set by the fork manufacturer,
        and a fork with a 180 mm post mount has no adapter that lets you go smaller. If you
        want to save weight, lighter rotors in 180 mm are a safer place to look.
        """,
    ),
    # Spanish
    (
        "Hola, ¿hacéis envíos a España? ¿Cuánto tarda?",
        """
        ¡Hola! Sí, enviamos a la península y a Baleares. El envío estándar tarda de 2 a 4
        días laborables y es gratuito en pedidos de más de 60 €. De momento no enviamos a
        Canarias, Ceuta ni Melilla, lo siento.
        """,
    ),
    (
        """
        Buenas, compré unas cubiertas y me equivoqué de medida. ¿Puedo devolverlas? No las he
        montado.
        """,
        """
        ¡Claro! Si no las has montado y siguen en su embalaje original, puedes devolverlas
        gratis en un plazo de 30 días desde la entrega. Pásame el número de pedido (empieza
        por SW-) y te preparo la devolución.
        """,
    ),
    (
        "¿Tenéis atención telefónica?",
        """
        No tenemos atención telefónica, pero respondemos por chat y por correo
        (support@spokewise.example) de lunes a viernes, de 9:00 a 18:00 (CET). Normalmente
        contestamos en menos de 24 horas.
        """,
    ),
    (
        "hola!! mi pedido llegó con la caja rota pero las piezas parecen estar bien 😅",
        """
        ¡Vaya, siento lo de la caja! Si las piezas están bien, no tienes que hacer nada. Aun
        así, revísalas con calma: si encuentras algún daño, mándanos unas fotos en un plazo
        de 7 días y lo solucionamos sin coste.
        """,
    ),
    (
        """
        ¿Qué diferencia hay entre pastillas orgánicas y sinterizadas? Uso la bici de montaña
        sobre todo en invierno.
        """,
        """
        Buena pregunta, porque se nota mucho en el uso:

        - Orgánicas (resina): frenan con más mordiente desde el principio, son más
          silenciosas y tratan mejor los discos, pero se desgastan antes, sobre todo con
          barro y lluvia.
        - Sinterizadas (metálicas): duran bastante más y aguantan mejor el calor y el agua.
          A cambio, necesitan calentarse un poco para rendir al máximo y pueden hacer más
          ruido.

        Para montaña en invierno te recomendaría sinterizadas: con barro y humedad duran
        mucho más. Antes de comprar, comprueba que tus discos admiten pastillas metálicas;
        suele venir grabado en el propio disco.
        """,
    ),
    # German
    (
        "Hallo, wie lange dauert der Versand nach Österreich?",
        """
        Hallo! Der Standardversand nach Österreich dauert in der Regel 2-4 Werktage. Ab
        einem Bestellwert von 60 € ist der Versand kostenlos.
        """,
    ),
    (
        "Kann ich bei euch auf Rechnung bezahlen?",
        """
        Ja, in Deutschland und Österreich kannst du über Klarna auf Rechnung bezahlen und
        hast dann 30 Tage Zeit für die Zahlung. Wähle dazu an der Kasse einfach Klarna aus.
        """,
    ),
    (
        """
        Guten Tag, die Kette, die ich bestellt habe, ist viel zu lang. Muss ich sie
        zurückschicken?
        """,
        """
        Guten Tag! Keine Sorge, das ist normal: Ketten werden fast immer länger geliefert,
        als man sie braucht, und müssen auf die passende Länge gekürzt werden. Am
        einfachsten legst du die neue Kette neben die alte und kürzt sie auf dieselbe Anzahl
        Glieder. Bitte beachte nur, dass wir eine gekürzte Kette nicht mehr zurücknehmen
        können.
        """,
    ),
    (
        "Gibt es bei euch Rabatt für Radsportvereine?",
        """
        Ja! Vereine bekommen 10 % auf Sammelbestellungen ab 300 €. Schreib uns dazu eine
        E-Mail an support@spokewise.example mit dem Namen eures Vereins und einer
        Ansprechperson, dann schicken wir euch einen Code.
        """,
    ),
    (
        "Moin, liefert ihr auch an eine Packstation?",
        """
        Moin! Ja, gib einfach die Packstation als Lieferadresse an: deine Postnummer ins
        Feld „Adresszusatz“ und „Packstation“ plus Nummer als Straße. Nur Expresssendungen
        können wir leider nicht an Packstationen liefern.
        """,
    ),
]

# Plain multi-turn conversations: ("u" | "a", text) alternating, starting with the user.
MULTI_TURN: list[list[tuple[str, str]]] = [
    [
        ("u", "Hi, I need new brake pads for my road bike."),
        (
            "a",
            """
            Happy to help! Do you have rim brakes or disc brakes? And if you know it, which
            model (for example Shimano 105 R7170)?
            """,
        ),
        ("u", "Disc, Shimano 105 hydraulic. The calipers say BR-R7170."),
        (
            "a",
            """
            Perfect, BR-R7170 calipers take Shimano's flat-mount road pads, such as the
            L05A resin pads (SKU SW-BP-0553). Resin pads are quiet and have a nice
            progressive feel; if you ride a lot in the rain, the metal L04C pads last longer.
            Remember to bed new pads in with 10-20 firm stops before your first real ride.
            """,
        ),
    ],
    [
        ("u", "what tube do i need for 29x2.35 tyres"),
        (
            "a",
            """
            You'll want a 29" tube rated for roughly 2.1-2.4" widths. Do you need a Presta
            valve (the thin one) or a Schrader valve (car-style)?
            """,
        ),
        ("u", "presta pls"),
        (
            "a",
            """
            Then go for a 29 x 2.1-2.4 Presta tube. A 48 mm valve suits most MTB rims; only
            pick the 60 mm version if your rims are unusually deep. Consider getting two, so
            you always have a spare in your pack.
            """,
        ),
    ],
    [
        ("u", "How long do refunds take once you get my return?"),
        (
            "a",
            """
            We process refunds within 5 business days of your return arriving at our
            warehouse, back to your original payment method. Depending on your bank, it can
            take a few more days to show up on your statement.
            """,
        ),
        ("u", "perfect, thanks!! 🙏"),
        ("a", "You're welcome! Enjoy the ride 🚲"),
    ],
    [
        ("u", "Welche Ventillänge brauche ich für Felgen mit 45 mm Höhe?"),
        (
            "a",
            """
            Für 45 mm hohe Felgen empfehlen wir Ventile mit mindestens 60 mm Länge, damit
            genug zum Aufpumpen herausschaut. Fährst du mit Schlauch oder tubeless?
            """,
        ),
        ("u", "Tubeless."),
        (
            "a",
            """
            Dann passen unsere Tubeless-Ventile in 60 mm (SKU SW-TV-6002) gut. Achte darauf,
            dass der Gummifuß des Ventils zur Form deines Felgenbetts passt, und zieh die
            Ventilmutter nur handfest an, sonst kann das Felgenband beschädigt werden.
            """,
        ),
    ],
    [
        ("u", "¿Un casete SRAM de 12 velocidades vale para mi rueda? No sé qué núcleo tiene."),
        (
            "a",
            """
            Depende del casete. Los SRAM Eagle GX, X01 y XX1 necesitan núcleo XD, mientras
            que el NX Eagle se monta en un núcleo Shimano HG normal. ¿Sabes algo de la rueda,
            por ejemplo si venía de serie con la bici?
            """,
        ),
        ("u", "Sí, es la rueda que traía la bici, una Orbea de 2019."),
        (
            "a",
            """
            Entonces lo más probable es que tenga núcleo Shimano HG. Puedes comprobarlo tú
            mismo: el HG es largo y tiene estrías rectas, mientras que el XD es más corto y
            tiene una rosca en el extremo. Con un núcleo HG, el NX Eagle es la opción más
            sencilla; para montar un GX Eagle tendrías que cambiar el núcleo a XD, si tu buje
            lo admite.
            """,
        ),
    ],
    [
        ("u", "What size helmet should I get?"),
        (
            "a",
            """
            Measure around your head about 1 cm above your eyebrows, with a soft tape
            measure. What do you get?
            """,
        ),
        ("u", "57 cm"),
        (
            "a",
            """
            57 cm is a size M (55-59 cm) for most of our helmets, but sizes vary a little by
            brand, so double-check the chart on the product page.
            """,
        ),
        ("u", "ok and what if I'm between two sizes on some brand?"),
        (
            "a",
            """
            Then go for the size where your measurement sits closer to the middle of the
            range. A helmet should feel snug before you tighten the dial; the dial is for
            fine-tuning, not for making up a whole size.
            """,
        ),
    ],
    [
        ("u", "My bike feels too stretched out. Would a shorter stem help?"),
        (
            "a",
            """
            It might! How long is your current stem, and what frame size and height are we
            talking about?
            """,
        ),
        ("u", "It's a 110mm stem on a 56 frame, I'm 176 cm."),
        (
            "a",
            """
            A 56 is on the large side for many riders of 176 cm, so feeling stretched makes
            sense. Going down to a 90 mm stem is a reasonable first step. I wouldn't go much
            shorter than that, since a very short stem makes the steering feel twitchy. If
            you still feel stretched afterwards, a professional bike fit is worth it before
            buying more parts.
            """,
        ),
    ],
]

# Multi-turn conversations whose first assistant turn is a bad reply, marked weight 0.
# The flag says whether the final (good) assistant turn carries an explicit "weight": 1.
WEIGHTED: list[tuple[list[tuple[str, str]], bool]] = [
    (
        [
            ("u", "Do you ship to Switzerland?"),
            ("a0", "No."),
            ("u", "Really? A friend in Basel ordered from you last month."),
            (
                "a",
                """
                Sorry, my previous answer was wrong: we do ship to Switzerland! Standard
                delivery takes 4-6 business days. Switzerland isn't in the EU, so Swiss
                import VAT and a small customs fee are charged by the carrier on delivery.
                """,
            ),
        ],
        False,
    ),
    (
        [
            ("u", "Do you sell chain wax?"),
            (
                "a0",
                """
                Chain lube keeps your drivetrain running smoothly. There are wet lubes, dry
                lubes and waxes, and each has pros and cons depending on where you ride.
                """,
            ),
            (
                "u",
                "Right, but do you actually sell wax? Like the hot-melt stuff for a slow cooker.",
            ),
            (
                "a",
                """
                Yes, we do! We stock hot-melt chain wax in 500 g blocks, as well as drip-on wax
                lubes if you'd rather not take the chain off every time. Before waxing for the
                first time, strip the factory grease completely with a degreaser, otherwise
                the wax won't stick properly.
                """,
            ),
        ],
        True,
    ),
    (
        [
            ("u", "¿Cuánto cuesta el envío a Portugal?"),
            ("a0", "Shipping to Portugal costs €6.95."),
            ("u", "¿En español, por favor?"),
            (
                "a",
                """
                ¡Perdona! El envío estándar a Portugal cuesta 6,95 € y es gratuito en pedidos
                de más de 60 €. Suele tardar de 2 a 4 días laborables.
                """,
            ),
        ],
        False,
    ),
    (
        [
            (
                "u",
                "Hallo, ich habe bei den Handschuhen die falsche Größe bestellt. Umtausch möglich?",
            ),
            ("a0", "Ja, Sie können die Handschuhe innerhalb von 14 Tagen zurückschicken."),
            ("u", "Nur 14 Tage? Auf eurer Website steht 30."),
            (
                "a",
                """
                Da hast du völlig recht, entschuldige bitte! Du hast 30 Tage ab Lieferung Zeit.
                Einen direkten Umtausch bieten wir nicht an: Am schnellsten bestellst du die
                richtige Größe neu und schickst die anderen Handschuhe kostenlos zurück. Die
                Erstattung erfolgt innerhalb von 5 Werktagen, nachdem die Rücksendung bei uns
                angekommen ist.
                """,
            ),
        ],
        True,
    ),
    (
        [
            ("u", "What pressure should I run in 28mm tyres? I weigh about 80 kg."),
            ("a0", "Just pump them up to the maximum pressure printed on the sidewall."),
            ("u", "Isn't that way too hard?"),
            (
                "a",
                """
                You're right, sorry: the maximum pressure is a limit, not a recommendation.
                For 28 mm tyres and about 80 kg, a good starting point with inner tubes is
                around 4.8 bar (70 psi) at the front and 5.2 bar (75 psi) at the rear, and a
                little lower if you run tubeless. From there, adjust by feel: if the bike
                feels harsh, drop a bit; if the tyre squirms in corners, add some.

                Always stay within the limits of both the tyre and the rim. Hookless rims in
                particular are often limited to 5 bar (72 psi).
                """,
            ),
        ],
        False,
    ),
]


def plain_single(q: str, a: str, *, with_system: bool = True) -> Builder:
    def build(rng: random.Random) -> Example:
        msgs: list[Message] = [system(rng)] if with_system else []
        return {"messages": [*msgs, user(q), assistant(a)]}

    return build


def plain_multi(turns: list[tuple[str, str]], final_weight: bool = False) -> Builder:
    def build(rng: random.Random) -> Example:
        msgs: list[Message] = [system(rng)]
        for i, (role, text) in enumerate(turns):
            if role == "u":
                msgs.append(user(text))
            elif role == "a0":
                msgs.append(assistant(text, weight=0))
            else:
                last = i == len(turns) - 1
                msgs.append(assistant(text, weight=1 if final_weight and last else None))
        return {"messages": msgs}

    return build


def named_rewards(rng: random.Random) -> Example:
    return {
        "messages": [
            system(rng),
            user("Hi! Do you have some kind of loyalty or rewards programme?", name="lea_k"),
            assistant(
                """
                We do, it's called Spokewise Miles! You earn 1 point for every euro you spend,
                and every 500 points become a €10 voucher. Points are added once your order
                has been delivered, and you'll find them in your account under Miles.
                """
            ),
        ]
    }


def named_pickup(rng: random.Random) -> Example:
    return {
        "messages": [
            system(rng),
            user("¿Puedo recoger mi pedido en vuestro almacén?", name="tomas_r"),
            assistant(
                """
                Lo siento, somos una tienda solo online y nuestro almacén de Utrecht no ofrece
                recogida de pedidos.
                """
            ),
            user("Vale. ¿Y tenéis envío exprés a Valencia?", name="tomas_r"),
            assistant(
                """
                El envío exprés (al día laborable siguiente) solo está disponible para Países
                Bajos, Bélgica y Alemania. A Valencia el envío estándar tarda de 2 a 4 días
                laborables y es gratuito a partir de 60 €.
                """
            ),
        ]
    }


# ---------------------------------------------------------------------------
# Tool-use examples
# ---------------------------------------------------------------------------


def shipped_order(rng: random.Random, oid: str) -> tuple[dict[str, Any], dt.date]:
    carrier = rng.choice(CARRIERS)
    shipped = some_date(rng)
    eta = add_business_days(shipped, rng.randint(2, 4))
    skus = rng.sample(sorted(PRODUCTS), k=rng.randint(1, 2))
    result = {
        "order_id": oid,
        "status": "shipped",
        "carrier": carrier,
        "tracking_number": tracking_number(rng, carrier),
        "shipped_on": shipped.isoformat(),
        "estimated_delivery": eta.isoformat(),
        "items": [{"sku": s, "name": PRODUCTS[s], "qty": 1} for s in skus],
    }
    return result, eta


def tool_shipped(rng: random.Random) -> Example:
    oid = order_id(rng)
    question = rng.choice(
        [
            f"Hi, where is my order {oid}? I ordered last week and haven't heard anything.",
            f"hey any update on {oid}?",
            f"Hello! Could you tell me when order {oid} will arrive? Thanks 😊",
        ]
    )
    call = tool_call(rng, "lookup_order", {"order_id": oid})
    result, eta = shipped_order(rng, oid)
    shipped = dt.date.fromisoformat(result["shipped_on"])
    reply = f"""
        Good news: order {oid} is on its way! It shipped with {result["carrier"]} on
        {en_date(shipped)} and should arrive on {en_date(eta)}. You can follow it with
        tracking number {result["tracking_number"]} on the {result["carrier"]} website.
        """
    return tool_example(
        [
            {"role": "system", "content": TOOL_SYSTEM_PROMPT},
            user(question),
            calling(rng, call),
            answer(call, result),
            assistant(reply),
        ]
    )


def tool_backorder(rng: random.Random) -> Example:
    oid = order_id(rng)
    placed = some_date(rng)
    expected = add_business_days(placed, rng.randint(5, 8))
    late = "SW-CH-1260"
    ready, ready_short = rng.choice(
        [("SW-BT-1100", "bar tape"), ("SW-TV-6002", "valves"), ("SW-LT-0412", "rear light")]
    )
    call = tool_call(rng, "lookup_order", {"order_id": oid})
    result = {
        "order_id": oid,
        "status": "processing",
        "placed_on": placed.isoformat(),
        "items": [
            {"sku": ready, "name": PRODUCTS[ready], "qty": 1, "status": "reserved"},
            {
                "sku": late,
                "name": PRODUCTS[late],
                "qty": 1,
                "status": "backordered",
                "expected_in_warehouse": expected.isoformat(),
            },
        ],
    }
    return tool_example(
        [
            {"role": "system", "content": TOOL_SYSTEM_PROMPT},
            user(f"My order {oid} still says 'processing' after 3 days. Is something wrong?"),
            calling(rng, call),
            answer(call, result),
            assistant(
                f"""
                Nothing's wrong, but I can see why it's taking a while: the
                {PRODUCTS[late]} in your order is backordered and we expect it in our
                warehouse on {en_date(expected)}. The rest of your order (the {ready_short})
                is already reserved for you, and we'll ship everything together as soon as the
                chain arrives.

                If you'd rather get the {ready_short} now and the chain separately, just let me
                know and I'll ask the warehouse to split the shipment at no extra cost.
                """
            ),
        ]
    )


def tool_not_found(rng: random.Random) -> Example:
    oid = f"SW-{rng.randint(10000, 99999)}"  # one digit short
    call = tool_call(rng, "lookup_order", {"order_id": oid})
    return tool_example(
        [
            {"role": "system", "content": TOOL_SYSTEM_PROMPT},
            user(f"Can you check the status of order {oid}? Thanks, Siobhán"),
            calling(rng, call),
            answer(call, {"error": "order_not_found", "order_id": oid}),
            assistant(
                f"""
                Hi Siobhán, I couldn't find an order with the number {oid}. Our order numbers
                have six digits after "SW-", so a digit may be missing. You'll find the full
                number in the subject line of your order confirmation email. Could you
                double-check it for me?
                """
            ),
        ]
    )


def tool_stock_sized_out(rng: random.Random) -> Example:
    sku, size = "SW-GL-2231", rng.choice(["S", "M", "XL"])
    restock = some_date(rng) + dt.timedelta(days=14)
    call = tool_call(rng, "check_stock", {"sku": sku, "size": size})
    result = {
        "sku": sku,
        "name": PRODUCTS[sku],
        "size": size,
        "in_stock": False,
        "quantity": 0,
        "restock_date": restock.isoformat(),
    }
    return tool_example(
        [
            {"role": "system", "content": TOOL_SYSTEM_PROMPT},
            user(f"Are the {PRODUCTS[sku]} ({sku}) back in stock in size {size}?"),
            calling(rng, call),
            answer(call, result),
            assistant(
                f"""
                Not yet, unfortunately: the {PRODUCTS[sku]} in size {size} are sold out, and
                we expect new stock around {en_date(restock)}. Click "Notify me" on the
                product page and we'll email you the moment they're back.
                """
            ),
        ]
    )


def tool_stock_plain(rng: random.Random) -> Example:
    sku, qty = "SW-CH-1142", rng.randint(6, 40)
    call = tool_call(rng, "check_stock", {"sku": sku})
    result = {"sku": sku, "name": PRODUCTS[sku], "in_stock": True, "quantity": qty}
    return tool_example(
        [
            {"role": "system", "content": TOOL_SYSTEM_PROMPT},
            user(f"Do you have the KMC X11 chain ({sku}) in stock? I'd like to order 3."),
            calling(rng, call),
            answer(call, result),
            assistant(
                f"""
                Yes, we have {qty} in stock, so 3 is no problem. Order before 14:00 on a
                business day and they'll leave our warehouse the same day.
                """
            ),
        ]
    )


def return_result(rng: random.Random, oid: str) -> dict[str, Any]:
    rma = f"RMA-{rng.randint(10000, 99999)}"
    return {
        "return_id": rma,
        "order_id": oid,
        "label_url": f"https://spokewise.example/returns/{rma}/label.pdf",
        "refund_method": "original_payment",
        "refund_within_business_days": 5,
    }


def tool_return(rng: random.Random) -> Example:
    oid = order_id(rng)
    call = tool_call(rng, "create_return", {"order_id": oid, "reason": "wrong_size"})
    result = return_result(rng, oid)
    return tool_example(
        [
            {"role": "system", "content": TOOL_SYSTEM_PROMPT},
            user(
                f"""
                I'd like to return the tyres from order {oid}. They're 700x28 and I actually
                need 700x32. Never mounted, still in the box.
                """
            ),
            calling(rng, call),
            answer(call, result),
            assistant(
                f"""
                Done! Your return {result["return_id"]} is open. Print the prepaid label here:
                {result["label_url"]}, stick it on the box and drop it at any parcel point.
                We'll refund you within 5 business days of the tyres arriving. If you want the
                700x32 version right away, you can order it now (SKU SW-TY-7032).
                """
            ),
        ]
    )


def tool_lookup_then_return(rng: random.Random) -> Example:
    oid = order_id(rng)
    delivered = some_date(rng)
    first = tool_call(rng, "lookup_order", {"order_id": oid})
    order = {
        "order_id": oid,
        "status": "delivered",
        "delivered_on": delivered.isoformat(),
        "items": [{"sku": "SW-HG-0907", "name": PRODUCTS["SW-HG-0907"], "qty": 1}],
    }
    second = tool_call(rng, "create_return", {"order_id": oid, "reason": "incompatible"})
    result = return_result(rng, oid)
    return tool_example(
        [
            {"role": "system", "content": TOOL_SYSTEM_PROMPT},
            user(
                f"""
                The derailleur hanger from order {oid} doesn't fit my frame at all. Can I send
                it back? I only tried it, didn't ride with it.
                """
            ),
            calling(rng, first),
            answer(first, order),
            calling(rng, second),
            answer(second, result),
            assistant(
                f"""
                Yes, no problem: it was delivered on {en_date(delivered)}, so you're well
                within the 30 days. I've opened return {result["return_id"]} and your prepaid
                label is here: {result["label_url"]}.

                Hangers are frame-specific, so if you tell me the make, model and year of your
                frame, I'll find the right one for you.
                """
            ),
        ]
    )


def tool_shipped_es(rng: random.Random) -> Example:
    oid = order_id(rng)
    call = tool_call(rng, "lookup_order", {"order_id": oid})
    result, eta = shipped_order(rng, oid)
    return tool_example(
        [
            {"role": "system", "content": TOOL_SYSTEM_PROMPT},
            user(f"Hola, ¿me podéis decir cómo va mi pedido {oid}? Gracias. Nuño"),
            calling(rng, call),
            answer(call, result),
            assistant(
                f"""
                ¡Hola, Nuño! Tu pedido {oid} ya está en camino con {result["carrier"]} y
                debería llegar {es_date(eta)}. Puedes seguirlo con el número de seguimiento
                {result["tracking_number"]}.
                """
            ),
        ]
    )


def tool_stock_de(rng: random.Random) -> Example:
    sku, qty = "SW-HE-5520", rng.randint(2, 5)
    call = tool_call(rng, "check_stock", {"sku": sku, "size": "L"})
    result = {"sku": sku, "name": PRODUCTS[sku], "size": "L", "in_stock": True, "quantity": qty}
    return tool_example(
        [
            {"role": "system", "content": TOOL_SYSTEM_PROMPT},
            user(f"Hallo, ist der Helm {sku} in Größe L lieferbar? Grüße, Jürgen"),
            calling(rng, call),
            answer(call, result),
            assistant(
                f"""
                Hallo Jürgen, ja! Den Ridgeline Aero haben wir in Größe L aktuell {qty}-mal
                auf Lager. Wenn du werktags bis 14 Uhr bestellst, geht das Paket noch am selben
                Tag raus.
                """
            ),
        ]
    )


def tool_parallel_stock(rng: random.Random) -> Example:
    sku = "SW-AP-3108"
    call_m = tool_call(rng, "check_stock", {"sku": sku, "size": "M"})
    call_l = tool_call(rng, "check_stock", {"sku": sku, "size": "L"})
    qty_m = rng.randint(3, 9)
    restock = some_date(rng) + dt.timedelta(days=10)
    res_m = {"sku": sku, "name": PRODUCTS[sku], "size": "M", "in_stock": True, "quantity": qty_m}
    res_l = {
        "sku": sku,
        "name": PRODUCTS[sku],
        "size": "L",
        "in_stock": False,
        "quantity": 0,
        "restock_date": restock.isoformat(),
    }
    return tool_example(
        [
            {"role": "system", "content": TOOL_SYSTEM_PROMPT},
            user(
                f"""
                Do you have the Ridgeline Pro bib shorts ({sku}) in M and L? I'm between
                sizes and want to order both, then send one back.
                """
            ),
            calling(rng, call_m, call_l),
            answer(call_m, res_m),
            answer(call_l, res_l),
            assistant(
                f"""
                Size M is in stock ({qty_m} available), but L is sold out until around
                {en_date(restock)}. Ordering both to compare is absolutely fine: returns of
                unworn items are free within 30 days. If you'd like, order the M now and click
                "Notify me" on the L so you hear when it's back.
                """
            ),
        ],
        parallel_tool_calls=True,
    )


def tool_parallel_orders(rng: random.Random) -> Example:
    oid_a, oid_b = order_id(rng), order_id(rng)
    call_a = tool_call(rng, "lookup_order", {"order_id": oid_a})
    call_b = tool_call(rng, "lookup_order", {"order_id": oid_b})
    res_a, eta = shipped_order(rng, oid_a)
    res_b = {
        "order_id": oid_b,
        "status": "processing",
        "placed_on": some_date(rng).isoformat(),
        "items": [{"sku": "SW-TV-6002", "name": PRODUCTS["SW-TV-6002"], "qty": 2}],
    }
    return tool_example(
        [
            {"role": "system", "content": TOOL_SYSTEM_PROMPT},
            user(
                f"""
                Hi, I placed two orders, {oid_a} and {oid_b}. Could you tell me where both
                are? Cheers, Søren
                """
            ),
            calling(rng, call_a, call_b),
            answer(call_a, res_a),
            answer(call_b, res_b),
            assistant(
                f"""
                Hi Søren! Here's where they are:

                - {oid_a} shipped with {res_a["carrier"]} and should arrive on {en_date(eta)}
                  (tracking number {res_a["tracking_number"]}).
                - {oid_b} is still being packed and will usually leave our warehouse within
                  one business day. You'll get a tracking email as soon as it ships.
                """
            ),
        ]
    )


def tool_return_multiturn(rng: random.Random) -> Example:
    oid = order_id(rng)
    call = tool_call(rng, "create_return", {"order_id": oid, "reason": "damaged"})
    result = return_result(rng, oid)
    return tool_example(
        [
            {"role": "system", "content": TOOL_SYSTEM_PROMPT},
            user(f"I need to return the rear light from order {oid}."),
            assistant(
                """
                Sorry to hear that! Did it arrive damaged, or did it stop working after you
                started using it?
                """
            ),
            user("It arrived with a cracked lens 😕"),
            calling(rng, call),
            answer(call, result),
            assistant(
                f"""
                That shouldn't happen, sorry! I've opened return {result["return_id"]} as
                damaged on arrival. Your prepaid label: {result["label_url"]}. Once the light
                is back with us, you'll get a full refund within 5 business days, or just
                reply here if you'd prefer a replacement instead.
                """
            ),
        ]
    )


TOOL_BUILDERS: list[Builder] = [
    tool_shipped,
    tool_backorder,
    tool_not_found,
    tool_stock_sized_out,
    tool_stock_plain,
    tool_return,
    tool_lookup_then_return,
    tool_shipped_es,
    tool_stock_de,
    tool_parallel_stock,
    tool_parallel_orders,
    tool_return_multiturn,
]

# Single-turn Q&A that appear without a system message (index into SINGLE_TURN).
NO_SYSTEM = {16, 27}

PLAIN_BUILDERS: list[Builder] = [
    *(plain_single(q, a, with_system=i not in NO_SYSTEM) for i, (q, a) in enumerate(SINGLE_TURN)),
    *(plain_multi(turns) for turns in MULTI_TURN),
]
WEIGHTED_BUILDERS: list[Builder] = [plain_multi(t, final) for t, final in WEIGHTED]
NAMED_BUILDERS: list[Builder] = [named_rewards, named_pickup]


# ---------------------------------------------------------------------------
# Planted defects for support-bad.jsonl
# ---------------------------------------------------------------------------


def bad_developer_role(rng: random.Random) -> Example:
    ex = plain_single(*SINGLE_TURN[3])(rng)
    ex["messages"][0]["role"] = "developer"
    return ex


def bad_no_assistant(rng: random.Random) -> Example:
    return {"messages": [system(rng), user(SINGLE_TURN[9][0])]}


def bad_weight_two(rng: random.Random) -> Example:
    ex = plain_multi(WEIGHTED[0][0])(rng)
    ex["messages"][2]["weight"] = 2
    return ex


def bad_tool_id_mismatch(rng: random.Random) -> Example:
    ex = tool_shipped(rng)
    ex["messages"][3]["tool_call_id"] = call_id(rng)
    return ex


def bad_arguments_object(rng: random.Random) -> Example:
    ex = tool_stock_plain(rng)
    fn = ex["messages"][2]["tool_calls"][0]["function"]
    fn["arguments"] = json.loads(fn["arguments"])
    return ex


def bad_missing_content(rng: random.Random) -> Example:
    ex = plain_multi(MULTI_TURN[0])(rng)
    del ex["messages"][3]["content"]
    return ex


def bad_special_token(rng: random.Random) -> Example:
    ex = plain_single(*SINGLE_TURN[17])(rng)
    ex["messages"][-1]["content"] += "<|endoftext|>"
    return ex


def bad_extra_key(rng: random.Random) -> Example:
    ex = plain_single(*SINGLE_TURN[6])(rng)
    ex["metadata"] = {"source": "zendesk"}
    return ex


def bad_late_system(rng: random.Random) -> Example:
    ex = plain_multi(MULTI_TURN[6])(rng)
    msgs = ex["messages"]
    ex["messages"] = [msgs[1], msgs[2], msgs[0], *msgs[3:]]
    return ex


def bad_unknown_tool(rng: random.Random) -> Example:
    oid = order_id(rng)
    call = tool_call(rng, "cancel_order", {"order_id": oid})
    return tool_example(
        [
            {"role": "system", "content": TOOL_SYSTEM_PROMPT},
            user(f"Please cancel order {oid}, I ordered the wrong cassette."),
            calling(rng, call),
            answer(call, {"order_id": oid, "status": "cancelled", "refund_issued": True}),
            assistant(
                f"""
                All done: order {oid} is cancelled and your refund is on its way. It usually
                shows up within 3-5 business days.
                """
            ),
        ]
    )


BAD_BUILDERS: dict[int, Builder] = {
    3: bad_developer_role,
    5: bad_no_assistant,
    7: bad_weight_two,
    11: bad_tool_id_mismatch,
    13: bad_arguments_object,
    15: bad_missing_content,
    17: bad_special_token,
    19: bad_extra_key,
    21: bad_late_system,
    23: bad_unknown_tool,
}
BROKEN_JSON_LINE = 9
BAD_TOTAL = 24
# Plain examples already used as the base of a planted defect; fillers avoid them.
BAD_BASES = {3, 6, 9, 17, len(SINGLE_TURN) + 0, len(SINGLE_TURN) + 6}


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def dumps(example: Example) -> str:
    return json.dumps(example, ensure_ascii=False)


def write_jsonl(path: Path, lines: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for line in lines:
            fh.write(line + "\n")


def build_good(rng: random.Random) -> list[str]:
    builders = [*TOOL_BUILDERS, *WEIGHTED_BUILDERS, *NAMED_BUILDERS, *PLAIN_BUILDERS]
    rng.shuffle(builders)
    lines = [dumps(build(rng)) for build in builders]
    assert len(lines) == 60, len(lines)
    return lines


def build_bad(rng: random.Random) -> list[str]:
    assert set(BAD_LINES) == {*BAD_BUILDERS, BROKEN_JSON_LINE}
    candidates = [b for i, b in enumerate(PLAIN_BUILDERS) if i not in BAD_BASES]
    fillers = rng.sample(candidates, k=BAD_TOTAL - len(BAD_LINES) + 1)
    broken_base, fillers = fillers[0], fillers[1:]
    lines: list[str] = []
    for lineno in range(1, BAD_TOTAL + 1):
        if lineno == BROKEN_JSON_LINE:
            text = dumps(broken_base(rng))
            lines.append(text[:-1])  # drop the final "}"
        elif lineno in BAD_BUILDERS:
            lines.append(dumps(BAD_BUILDERS[lineno](rng)))
        else:
            lines.append(dumps(fillers.pop()(rng)))
    return lines


def build_tiny(rng: random.Random) -> list[str]:
    picks = [SINGLE_TURN[0], SINGLE_TURN[24], SINGLE_TURN[33]]
    return [dumps(plain_single(q, a)(rng)) for q, a in picks]


def bad_lines_table() -> str:
    rows = [f"| {n} | {defect.replace('|', chr(92) + '|')} |" for n, defect in BAD_LINES.items()]
    return "\n".join(
        ["# Planted defects in support-bad.jsonl", "", "| Line | Defect |", "| ---: | --- |", *rows]
    )


def main() -> None:
    rng = random.Random(SEED)
    write_jsonl(HERE / "support-good.jsonl", build_good(rng))
    write_jsonl(HERE / "support-bad.jsonl", build_bad(rng))
    write_jsonl(HERE / "tiny.jsonl", build_tiny(rng))
    readme = HERE / "README.md"
    readme.write_text(bad_lines_table() + "\n", encoding="utf-8", newline="\n")


if __name__ == "__main__":
    main()
