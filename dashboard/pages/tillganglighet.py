"""/tillganglighet: the accessibility statement (tillgänglighetsredogörelse) in DIGG's form, sv and en.

The statement is data (STATEMENT below): compliance status, the known gaps, how to report a problem,
enforcement (DIGG), how the site was tested and when. The contact is a placeholder the municipality
that publishes the dashboard must fill in; it is shown as such, never as a made-up address.
"""

from __future__ import annotations

from typing import Any

from dash import html

from dashboard.i18n import norm_lang, t
from dashboard.page_kit import Page

PATH = "/tillganglighet"
PAGE = Page(
    __name__,
    path=PATH,
    name="Tillgänglighet",
    title="Tillgänglighetsredogörelse – Nyckeltal Södertörn",
    nav="nav_a11y",
    order=7,
)
DIGG_REPORT = "https://www.digg.se/tdosanmalan"
ASSESSED = "2026-11-27"  # the date of the last self-assessment (axe audit, keyboard test, review)

STATEMENT: dict[str, dict[str, Any]] = {
    "sv": {
        "intro": (
            "Södertörnskommunerna står bakom webbplatsen Nyckeltal Södertörn. Vi vill att så många som möjligt "
            "ska kunna använda webbplatsen. Här beskriver vi hur webbplatsen uppfyller lagen (2018:1937) om "
            "tillgänglighet till digital offentlig service, vilka kända tillgänglighetsproblem som finns och hur "
            "du kan rapportera brister till oss så att vi kan åtgärda dem."
        ),
        "how_h": "Hur tillgänglig är webbplatsen?",
        "how": (
            "Vi är medvetna om att delar av webbplatsen inte är helt tillgängliga. Se avsnittet om innehåll som "
            "inte är tillgängligt nedan."
        ),
        "alt_h": "Vad kan du göra om du inte kan använda delar av webbplatsen?",
        "alt": (
            "Varje diagram har en textsammanfattning och samma data som tabell, och alla tal kan laddas ner som "
            "CSV eller Excel. Om du behöver innehållet i ett annat format kan du kontakta oss:"
        ),
        "report_h": "Rapportera brister i webbplatsens tillgänglighet",
        "report": (
            "Vi strävar hela tiden efter att förbättra webbplatsens tillgänglighet. Om du upptäcker problem som "
            "inte är beskrivna på den här sidan, eller om du anser att vi inte uppfyller lagens krav, meddela oss "
            "så att vi får veta att problemet finns:"
        ),
        "contact": "Kontakt: (fylls i av förvaltaren – kommunens funktionsbrevlåda)",
        "contact_note": "Förvaltaren av webbplatsen ska ersätta texten ovan med en riktig funktionsbrevlåda.",
        "enforce_h": "Tillsyn",
        "enforce": (
            "Myndigheten för digital förvaltning (DIGG) har ansvaret för tillsyn för lagen om tillgänglighet till "
            "digital offentlig service. Om du inte är nöjd med hur vi hanterar dina synpunkter kan du kontakta "
            "DIGG och påtala det:"
        ),
        "enforce_link": "Anmäl bristande tillgänglighet till DIGG",
        "tech_h": "Teknisk information om webbplatsens tillgänglighet",
        "status": (
            "Den här webbplatsen är delvis förenlig med lagen om tillgänglighet till digital offentlig service, "
            "på grund av de brister som beskrivs nedan."
        ),
        "gaps_h": "Innehåll som inte är tillgängligt",
        "gaps_intro": "Bristande förenlighet med lagkraven (WCAG 2.1 nivå AA, EN 301 549):",
        "gaps": [
            "Rullgardinsmenyerna (val av nyckeltal och år) kommer från ramverket Dash 4. När en meny är öppen "
            "ligger varje alternativ som en radioknapp inuti ett listalternativ, så att en skärmläsare kan läsa upp "
            "alternativen dubbelt eller otydligt (WCAG 4.1.2 Namn, roll, värde). Valen fungerar med tangentbordet, "
            "och i den stängda menyn har knappen fältets namn och det valda värdet.",
            "Dash 4:s kryssrutor, radioknappar, rullgardinsmenyer och reglage märks upp med rätt roller och namn av "
            "ett skript på webbplatsen (assets/a11y.js), eftersom ramverket inte gör det självt. Det fungerar i "
            "de webbläsare vi testat, men är en reparation i efterhand.",
            "Diagrammen (Plotly) går inte att utforska med tangentbord eller skärmläsare: värden vid muspekaren, "
            "zoomning och klick i kartan kräver mus (WCAG 2.1.1 Tangentbord, 1.1.1 Icke-textuellt innehåll). "
            "Samma uppgifter finns i sammanfattningen och tabellen vid varje diagram (på Pendling ligger "
            "tidsseriernas data i sidans gemensamma tabell), i kartans tabell och årsreglage, och i nedladdningarna.",
            "Några ytor i diagrammen har lägre kontrast än 3:1 mot den vita bakgrunden (WCAG 1.4.11 Kontrast för "
            "icke-textuellt innehåll): pendlingsflödena (de ljusblå banden i flödesdiagrammet) och de ljusaste "
            "färgerna i kartans färgskala; varje kommun i kartan har dock en mörk kontur. Värdena finns i "
            "sammanfattningen och tabellen vid diagrammet. Alla linjer och staplar i diagrammen har minst 3:1 och "
            "går att skilja åt vid normalt färgseende och vid protanopi, deuteranopi och tritanopi.",
            "Webbplatsen har inte testats med skärmläsare (NVDA, JAWS, VoiceOver, TalkBack) eller av användare "
            "med funktionsnedsättning. Brister som bara syns så kan finnas kvar.",
        ],
        "test_h": "Hur vi testat webbplatsen",
        "test": (
            "Vi har gjort en självskattning (intern testning) av webbplatsen. Varje sida (Översikt, Jämför, "
            "Karta, Pendling, Befolkning, Om data och den här sidan) granskas på svenska och engelska med "
            "axe-core i Chromium vid varje ändring, utan allvarliga eller kritiska fel. Ett automatiskt test går "
            "igenom Jämför med bara tangentbordet (välja två kommuner, byta nyckeltal och år, ladda ner CSV) och "
            "kontrollerar synligt fokus, hopplänken och visning i 320 pixlars bredd. Kartans årsreglage prövas med "
            "piltangenterna. Färgkontraster och diagramfärgerna vid protanopi, deuteranopi och tritanopi "
            "kontrolleras i enhetstester, och diagrammens textsammanfattningar jämförs ordagrant med förväntad text."
        ),
        "dates": "Senaste bedömningen gjordes den {date}. Redogörelsen uppdaterades senast den {date}.",
    },
    "en": {
        "intro": (
            "The Södertörn municipalities are responsible for the website Key figures Södertörn. We want as many "
            "people as possible to be able to use it. This statement describes how the website complies with the "
            "Swedish Act (2018:1937) on accessibility to digital public services, the known accessibility "
            "problems, and how you can report shortcomings to us so that we can fix them."
        ),
        "how_h": "How accessible is the website?",
        "how": "We know that parts of the website are not fully accessible. See the section on non-accessible content below.",
        "alt_h": "What can you do if you cannot use parts of the website?",
        "alt": (
            "Every chart has a text summary and the same data as a table, and every figure can be downloaded as "
            "CSV or Excel. If you need the content in another format, contact us:"
        ),
        "report_h": "Reporting accessibility problems",
        "report": (
            "We keep working to improve the website's accessibility. If you find a problem that is not described "
            "on this page, or you think we do not meet the requirements of the law, let us know:"
        ),
        "contact": "Contact: (to be filled in by the site owner – the municipality's function mailbox)",
        "contact_note": "The owner of the website must replace the text above with a real function mailbox.",
        "enforce_h": "Enforcement",
        "enforce": (
            "The Agency for Digital Government (DIGG) is responsible for enforcing the Act on accessibility to "
            "digital public services. If you are not satisfied with how we handle your comments, you can contact "
            "DIGG:"
        ),
        "enforce_link": "Report inadequate accessibility to DIGG (in Swedish)",
        "tech_h": "Technical information about the website's accessibility",
        "status": (
            "This website is partially compliant with the Act on accessibility to digital public services, due to "
            "the non-compliances listed below."
        ),
        "gaps_h": "Non-accessible content",
        "gaps_intro": "Non-compliance with the requirements (WCAG 2.1 level AA, EN 301 549):",
        "gaps": [
            "The drop-down menus (choice of indicator and year) come from the Dash 4 framework. While a menu is "
            "open, each option holds a radio button inside a list option, so a screen reader may announce the "
            "options twice or unclearly (WCAG 4.1.2 Name, Role, Value). The choices work by keyboard, and the "
            "closed menu's button has the field's name and the chosen value.",
            "Dash 4's checkboxes, radio buttons, drop-downs and sliders get their correct roles and names from a "
            "script on the website (assets/a11y.js), because the framework does not provide them. It works in "
            "the browsers we tested, but it is a repair after the fact.",
            "The charts (Plotly) cannot be explored by keyboard or screen reader: values on hover, zooming and "
            "clicking in the map need a mouse (WCAG 2.1.1 Keyboard, 1.1.1 Non-text Content). The same figures are "
            "in the summary and table next to each chart (on Commuting the time series share the page's data table), "
            "in the map's table and year slider, and in the downloads.",
            "Some areas in the charts have less than 3:1 contrast against the white background (WCAG 1.4.11 "
            "Non-text Contrast): the commuting flows (the light blue bands of the flow diagram) and the lightest "
            "colours of the map's colour scale; every municipality on the map has a dark outline, though. The values "
            "are in the summary and the table next to the chart. Every line and bar in the charts has at least 3:1 "
            "and stays distinguishable in normal colour vision and under protanopia, deuteranopia and tritanopia.",
            "The website has not been tested with screen readers (NVDA, JAWS, VoiceOver, TalkBack) or by users "
            "with disabilities. Problems that only show up that way may remain.",
        ],
        "test_h": "How we tested the website",
        "test": (
            "We have made a self-assessment (internal testing). Every page (Overview, Compare, Map, Commuting, "
            "Population, About the data and this page) is audited in Swedish and English with axe-core in "
            "Chromium on every change, with no serious or critical violations. An automated test walks through "
            "Compare by keyboard alone (choosing two municipalities, changing indicator and year, downloading the "
            "CSV) and checks the visible focus, the skip link and the layout at 320 pixels' width. The map's year "
            "slider is tried with the arrow keys. Colour contrasts and the chart colours under protanopia, "
            "deuteranopia and tritanopia are checked in unit tests, and the charts' text summaries are compared "
            "word for word with the expected text."
        ),
        "dates": "The last assessment was made on {date}. This statement was last updated on {date}.",
    },
}


def statement(lang: str) -> html.Div:
    """The statement's body in `lang`."""
    s = STATEMENT[norm_lang(lang)]
    return html.Div(
        [
            html.H1(t("page_a11y", lang)),
            html.P(s["intro"], className="lead"),
            html.H2(s["how_h"]),
            html.P(s["how"]),
            html.H2(s["alt_h"]),
            html.P(s["alt"]),
            html.P(html.Strong(s["contact"]), className="notice warn", id="a11y-contact"),
            html.P(s["contact_note"], className="note"),
            html.H2(s["report_h"]),
            html.P(s["report"]),
            html.P(html.Strong(s["contact"]), className="notice warn"),
            html.H2(s["enforce_h"]),
            html.P(s["enforce"]),
            html.P(html.A(s["enforce_link"], href=DIGG_REPORT, id="a11y-digg", hrefLang="sv")),
            html.H2(s["tech_h"]),
            html.P(html.Strong(s["status"]), id="a11y-status"),
            html.H2(s["gaps_h"]),
            html.P(s["gaps_intro"]),
            html.Ul([html.Li(g) for g in s["gaps"]], id="a11y-gaps"),
            html.H2(s["test_h"]),
            html.P(s["test"]),
            html.P(s["dates"].format(date=ASSESSED), id="a11y-dates"),
        ],
        className="tillganglighet",
    )


def layout(written: Any = None, **params: Any) -> html.Div:
    return statement(norm_lang(params.get("lang")))
