"""Fixed text of the report in Dutch and English, and locale-aware number formatting.

Every sentence, heading and label that the report shows comes from one of the
two catalogues below; user strings (trial name, arm and outcome labels, site
names) come from ``trial.toml`` and the data. Both catalogues have the same
keys (a test checks this), and placeholders are filled with :meth:`str.format`.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from trustexp.errors import OptionError

__all__ = ["CATALOGUES", "LANGUAGES", "Locale", "check_language"]

Language = Literal["nl", "en"]
LANGUAGES: tuple[str, ...] = ("nl", "en")

#: The minus sign used in displayed numbers (U+2212, not a hyphen).
MINUS = "\u2212"
#: What a missing or suppressed estimate shows.
DASH = "\u2014"

NL: dict[str, str] = {
    # -- document ------------------------------------------------------------
    "doc.subtitle": "Evaluatierapport van een gerandomiseerd experiment",
    "doc.generated": "Gemaakt met trustexp {version}",
    "doc.generated_on": "Gemaakt met trustexp {version} op {date}",
    "doc.toc": "Inhoud",
    "doc.not_applicable": "Niet van toepassing: {reason}",
    "doc.suppressed_note": (
        "<{min_cell}: minder dan {min_cell} personen; het precieze aantal is niet getoond "
        "om de privacy van de deelnemers te beschermen."
    ),
    "doc.suppressed_estimate_note": (
        "{dash}: niet geschat of niet getoond omdat een groep minder dan {min_cell} personen "
        "telt."
    ),
    "doc.secondary_note": (
        "x: niet getoond omdat er anders een kleinere groep (minder dan {min_cell} personen) "
        "uit te berekenen zou zijn, of omdat één of twee personen het grootste deel van een "
        "bedrag bepalen."
    ),
    "doc.min_cell_banner": (
        "Let op: dit rapport is gemaakt met min_cell = {min_cell}. Groepen van {min_cell} of "
        "meer personen worden getoond; de standaard is {default}. Controleer vóór verspreiding "
        "of dit is toegestaan."
    ),
    "doc.min_cell_off": (
        "Let op: in dit rapport is de bescherming van kleine groepen uitgeschakeld "
        "(min_cell = 0). Het kan aantallen en cijfers van zeer kleine groepen bevatten en is "
        "niet geschikt voor verspreiding."
    ),
    "doc.figure_suppressed": (
        "{dash}: geen schatting, of niet getoond omdat een groep minder dan {min_cell} "
        "personen telt"
    ),
    "doc.reference_warning_title": "Niet gerandomiseerd",
    "doc.reference_warning": (
        "De referentiegroep{labels} is niet door loting ingedeeld. Verschillen met deze "
        "groep zijn geen effecten: ze kunnen ook komen door verschillen tussen de mensen."
    ),
    "doc.not_randomised": "niet gerandomiseerd",
    "doc.pooled": "Alle locaties samen",
    "doc.total": "Totaal",
    "doc.yes": "ja",
    "doc.no": "nee",
    "doc.none": "geen",
    "doc.and": "en",
    "doc.to": "tot",
    "doc.low": "ondergrens",
    "doc.high": "bovengrens",
    # -- section titles ------------------------------------------------------
    "section.summary": "Samenvatting van de bevindingen",
    "section.design": "Opzet van het experiment",
    "section.flow": "Stroom van deelnemers",
    "section.validation": "Controle van de gegevens",
    "section.balance": "Vergelijkbaarheid van de groepen bij de start",
    "section.attrition": "Uitval en respons per meting",
    "section.effects": "Effecten",
    "section.sites": "Effecten per locatie",
    "section.monthly": "Verloop per maand",
    "section.reliability": "Betrouwbaarheid van de schalen",
    "section.inference": "Randomisatie-inferentie",
    "section.reference": "Referentiegroep (beschrijvend)",
    "section.methods": "Bijlage: methode",
    "section.reproducibility": "Bijlage: reproduceerbaarheid",
    # -- summary -------------------------------------------------------------
    "summary.intro": (
        "Aan dit experiment deden {n} mensen mee die door loting zijn verdeeld over "
        "{n_arms} groepen{sites}. Elke experimentele groep is vergeleken met de "
        "controlegroep{control}. Per uitkomst staat hieronder het geschatte verschil met "
        "zijn {level}-betrouwbaarheidsinterval."
    ),
    "summary.sites": " op {n_sites} locaties",
    "summary.primary_heading": "Primaire uitkomsten",
    "summary.secondary_heading": "Overige uitkomsten",
    "summary.no_primary": (
        "In trial.toml is geen uitkomst als primair aangemerkt; hieronder staan alle "
        "uitkomsten."
    ),
    "summary.effect_up": (
        "{arm}: hoger dan in de controlegroep, met {estimate}{std} (niet-gecorrigeerd "
        "{level}-interval {low} tot {high}; gecorrigeerde p = {p_adj})."
    ),
    "summary.effect_down": (
        "{arm}: lager dan in de controlegroep, met {estimate}{std} (niet-gecorrigeerd "
        "{level}-interval {low} tot {high}; gecorrigeerde p = {p_adj})."
    ),
    "summary.nominal_only": (
        "{arm}: er kon geen effect worden aangetoond; {estimate}{std} (niet-gecorrigeerd "
        "{level}-interval {low} tot {high}). Zonder correctie voor meervoudig toetsen is het verschil statistisch "
        "significant (p = {p}), na correctie niet (gecorrigeerde p = {p_adj})."
    ),
    "summary.no_effect": (
        "{arm}: er kon geen effect worden aangetoond; {estimate}{std} (niet-gecorrigeerd "
        "{level}-interval {low} tot {high}; gecorrigeerde p = {p_adj})."
    ),
    "summary.not_estimated": "{arm}: geen schatting mogelijk of getoond.",
    "summary.secondary_count": (
        "Van de {n} schattingen voor de overige uitkomsten {verb} {k} statistisch "
        "significant na correctie voor meervoudig toetsen (zie de paragraaf '{link}')."
    ),
    "summary.verb_one": "is",
    "summary.verb_many": "zijn",
    "summary.secondary_none": (
        "Van de {n} schattingen voor de overige uitkomsten is {correction} geen enkele "
        "statistisch significant (zie de paragraaf '{link}')."
    ),
    "summary.secondary_one": (
        "Van de {n} schattingen voor de overige uitkomsten is er {correction} één statistisch "
        "significant: {pairs} (zie de paragraaf '{link}')."
    ),
    "summary.secondary_some": (
        "Van de {n} schattingen voor de overige uitkomsten zijn er {correction} {k} "
        "statistisch significant: {pairs} (zie de paragraaf '{link}')."
    ),
    "summary.pair": "{outcome}, {arm} ({estimate}; gecorrigeerde p = {p_adj})",
    "summary.where_site": " in {site}",
    "summary.after_correction": "na correctie voor meervoudig toetsen",
    "summary.without_correction": "zonder correctie voor meervoudig toetsen",
    "summary.where_pooled": " (alle locaties samen)",
    "summary.standardised": ", dat is {d} standaardafwijking van de controlegroep",
    "summary.balance_all": (
        "De groepen waren bij de start vergelijkbaar op de gemeten kenmerken: geen van de "
        "{k} toetsen op vergelijkbaarheid (alle locaties samen en per locatie) geeft een "
        "significant verschil (kleinste p = {p})."
    ),
    "summary.imbalance_at": (
        "Let op: bij de start verschilt {arm}{where} van de controlegroep (toets op "
        "vergelijkbaarheid: p = {p}); zie de paragraaf over vergelijkbaarheid."
    ),
    "summary.attrition_at": (
        "Let op: de respons op meting {wave} verschilt tussen de groepen{where} (toets op "
        "selectieve uitval: p = {p}); zie de paragraaf over uitval."
    ),
    "summary.attrition_none": (
        "Geen van de {k} toetsen op selectieve uitval (per meting, alle locaties samen en per "
        "locatie) geeft een significant verschil in respons tussen de groepen."
    ),
    "summary.multiple": (
        "De p-waarden zijn gecorrigeerd voor meervoudig toetsen binnen elke familie van "
        "uitkomsten, met de methode van {method}."
    ),
    "summary.multiple_none": (
        "De p-waarden zijn niet gecorrigeerd voor meervoudig toetsen (multiple_testing = "
        "\"none\"); bij veel toetsen is een enkel significant resultaat dan ook door toeval "
        "te verwachten."
    ),
    "summary.interval": (
        "Het {level}-betrouwbaarheidsinterval is de reeks effecten die bij de gegevens passen. "
        "\"Er kon geen effect worden aangetoond\" betekent dat het verschil, na correctie "
        "voor meervoudig toetsen, ook door toeval kan zijn ontstaan; niet dat er geen effect "
        "is: effecten binnen het interval blijven mogelijk."
    ),
    "summary.balance": (
        "De groepen waren bij de start vergelijkbaar op de gemeten kenmerken (gezamenlijke "
        "toets: kleinste p = {p})."
    ),
    "summary.imbalance": (
        "Let op: de gezamenlijke toets op vergelijkbaarheid bij de start geeft p = {p}; zie "
        "de paragraaf over vergelijkbaarheid."
    ),
    "summary.attrition": (
        "Let op: de respons op de vragenlijst verschilt tussen de groepen (toets op "
        "selectieve uitval: kleinste p = {p}); zie de paragraaf over uitval."
    ),
    # -- design --------------------------------------------------------------
    "design.intro": (
        "Deelnemers zijn door loting ingedeeld in een van de groepen hieronder. Loting "
        "tussen {first} en {last}."
    ),
    "design.arms_caption": "Groepen van het experiment",
    "design.arm": "Groep",
    "design.arm_id": "Code",
    "design.kind": "Soort",
    "design.randomised": "Gerandomiseerd",
    "design.n": "Aantal",
    "design.sites_caption": "Deelnemers per groep en locatie",
    "design.dates_caption": "Periode van de loting per locatie",
    "design.site": "Locatie",
    "design.first": "Eerste loting",
    "design.last": "Laatste loting",
    "design.strata": (
        "De loting vond plaats binnen blokken (strata) gevormd door {columns}: {n} blokken. "
        "De analyse houdt hier rekening mee met vaste effecten per blok."
    ),
    "design.no_strata": "Er zijn geen blokken (strata) opgegeven voor de loting.",
    "design.cluster": (
        "Geloot is per cluster ({column}): {n} clusters. De standaardfouten houden daar "
        "rekening mee."
    ),
    "design.outcomes_caption": "Uitkomsten",
    "design.outcome": "Uitkomst",
    "design.family": "Familie",
    "design.primary": "Primair",
    "design.type": "Soort",
    "design.source": "Bron",
    "kind.control": "controle",
    "kind.exemption": "ontheffing",
    "kind.extra_earnings": "extra vrijlating",
    "kind.intensive_guidance": "intensieve begeleiding",
    "kind.combined": "combinatie",
    "kind.other": "overig",
    "kind.reference": "referentie (niet geloot)",
    "type.continuous": "continu",
    "type.binary": "ja/nee",
    "type.count": "aantal",
    "type.duration": "duur",
    "source.participants": "deelnemers",
    "source.monthly": "maandgegevens",
    "source.survey": "vragenlijst",
    # -- flow ----------------------------------------------------------------
    "flow.intro": (
        "Het schema volgt de deelnemers van de loting tot de analyse (naar het CONSORT-"
        "model). Iedereen die is geloot telt mee in de groep waarin hij of zij is ingedeeld "
        "(intention-to-treat); wie voor een uitkomst geen gegevens heeft, valt voor die "
        "uitkomst uit de analyse."
    ),
    "flow.figure": "Stroom van deelnemers per groep",
    "flow.randomised": "Geloot",
    "flow.allocated": "Ingedeeld",
    "flow.analysed": "Geanalyseerd",
    "flow.missing": "Geen gegevens",
    "flow.family": "Familie {family}",
    "flow.reference": "Referentiegroep",
    "flow.caption": "Aantal deelnemers per uitkomst en groep",
    "flow.outcome": "Uitkomst",
    "flow.arm": "Groep",
    "flow.n_randomised": "Geloot",
    "flow.n_analysed": "Met gegevens over de uitkomst",
    "flow.n_missing": "Zonder gegevens over de uitkomst",
    "flow.status": "Telling",
    "flow.n_allocated": "Aantal in de groep",
    "flow.desc": (
        "{n} deelnemers zijn geloot. {arms}. Per familie van uitkomsten: het aantal met "
        "gegevens en zonder gegevens per groep; zie de tabel hieronder voor de aantallen."
    ),
    "flow.desc_arm": "{arm}: {n}",
    # -- validation ----------------------------------------------------------
    "validation.ok": "De gegevens voldoen aan het datacontract: {errors} fouten, {warnings} waarschuwingen.",
    "validation.rows_caption": "Ingelezen tabellen",
    "validation.table": "Tabel",
    "validation.file": "Bestand",
    "validation.rows": "Rijen",
    "validation.warnings_caption": "Waarschuwingen (zonder gegevens van personen)",
    "validation.column": "Kolom",
    "validation.rule": "Regel",
    "validation.count": "Aantal",
    "validation.no_warnings": "Er zijn geen waarschuwingen.",
    "validation.privacy": (
        "Waarschuwingen worden alleen per regel en kolom geteld; waarden en rijnummers van "
        "personen staan niet in dit rapport."
    ),
    # -- balance -------------------------------------------------------------
    "balance.intro": (
        "Door de loting horen de groepen bij de start gemiddeld gelijk te zijn. De "
        "gestandaardiseerde verschillen vergelijken elke groep met de controlegroep; "
        "verschillen groter dan 0,1 (in absolute waarde) zijn gemarkeerd (*). Een "
        "gezamenlijke toets kijkt of de kenmerken samen de indeling voorspellen."
    ),
    "balance.caption": "Kenmerken bij de start, alle locaties samen",
    "balance.covariate": "Kenmerk",
    "balance.arm": "Groep",
    "balance.mean_arm": "Gemiddelde groep (sd)",
    "balance.mean_control": "Gemiddelde controle (sd)",
    "balance.std_diff": "Gestand. verschil",
    "balance.n_arm": "n groep",
    "balance.n_control": "n controle",
    "balance.flag_note": "*: gestandaardiseerd verschil groter dan 0,1 in absolute waarde.",
    "balance.tests_caption": "Gezamenlijke toets op vergelijkbaarheid (F-toets)",
    "balance.site": "Locatie",
    "balance.statistic": "F",
    "balance.df": "Vrijheidsgraden",
    "balance.p": "p",
    "balance.n": "n",
    "balance.none": "in trial.toml zijn geen achtergrondkenmerken (covariates) opgegeven.",
    # -- attrition -----------------------------------------------------------
    "attrition.intro": (
        "Niet iedereen vult elke vragenlijst in. Als de respons verschilt tussen de groepen, "
        "kunnen de effecten op vragenlijstuitkomsten vertekend zijn. De toets op selectieve "
        "uitval kijkt of de respons per groep verschilt; de grenzen van Lee geven het bereik "
        "van het effect als de uitval in het nadeligste geval selectief is."
    ),
    "attrition.caption": "Respons per meting en groep, alle locaties samen",
    "attrition.wave": "Meting",
    "attrition.arm": "Groep",
    "attrition.n_randomised": "Geloot",
    "attrition.n_responded": "Respons",
    "attrition.rate": "Responspercentage",
    "attrition.tests_caption": "Toets op selectieve uitval per meting (F-toets)",
    "attrition.site": "Locatie",
    "attrition.lee_caption": "Grenzen van Lee voor de effecten op vragenlijstuitkomsten",
    "attrition.outcome": "Uitkomst",
    "attrition.lower": "Ondergrens",
    "attrition.upper": "Bovengrens",
    "attrition.trimming": "Getrimd aandeel",
    "attrition.trimmed_group": "Getrimde groep",
    "attrition.none": "er zijn geen vragenlijstgegevens.",
    "attrition.baseline": "0 (start)",
    "attrition.wave_title": "Meting {wave}",
    "attrition.trimmed.treated": "experimentele groep",
    "attrition.trimmed.control": "controlegroep",
    # -- effects -------------------------------------------------------------
    "effects.intro": (
        "Per uitkomst: het verschil tussen elke experimentele groep en de controlegroep "
        "(intention-to-treat), met het {level}-betrouwbaarheidsinterval, de p-waarde, de voor "
        "meervoudig toetsen gecorrigeerde p-waarde ({method}, binnen de familie) en het "
        "gemiddelde van de controlegroep. Ja/nee-uitkomsten staan in procentpunten, aantallen "
        "maanden in maanden, bedragen in euro's."
    ),
    "effects.family": "Familie: {family}",
    "effects.caption": "Effecten op de uitkomsten van familie {family}, alle locaties samen",
    "effects.outcome": "Uitkomst",
    "effects.arm": "Groep",
    "effects.estimate": "Effect",
    "effects.ci": "{level}-interval",
    "effects.p": "p",
    "effects.p_adjusted": "Gecorr. p",
    "effects.p_ri": "p (RI)",
    "effects.n": "n",
    "effects.control_mean": "Gemiddelde controle",
    "effects.primary_mark": "primair",
    "effects.figure": (
        "Effecten op de uitkomsten van familie {family} met {level}-intervallen; de "
        "verticale lijn is nul (geen verschil)"
    ),
    "effects.desc": "Geschatte effecten en {level}-intervallen: {items}.",
    "effects.desc_item": "{arm}, {outcome}: {estimate} ({low} tot {high})",
    "effects.desc_missing": "{arm}, {outcome}: niet getoond",
    "effects.none": "er zijn geen effecten geschat.",
    "effects.compliers_title": "Effect voor wie het aanbod echt kreeg (complier-effect)",
    "effects.compliers_intro": (
        "Niet iedereen in een experimentele groep kreeg het aanbod echt. Het complier-effect "
        "schat het effect voor wie het aanbod kreeg omdat hij of zij erin was geloot: een "
        "schatting met instrumentele variabelen, met de loting als instrument. De eerste fase "
        "is het verschil in het aandeel dat het aanbod kreeg; een F-waarde onder 10 wijst op "
        "een zwak instrument. Deze p-waarden zijn niet gecorrigeerd voor meervoudig toetsen."
    ),
    "effects.compliers_caption": "Complier-effecten, alle locaties samen",
    "effects.first_stage": "Eerste fase",
    "effects.first_stage_f": "F eerste fase",
    "unit.pp": "procentpunt",
    "unit.pp_short": "%-punt",
    "unit.months": "maanden",
    "unit.euro": "euro",
    "unit.points": "punten",
    # -- sites ---------------------------------------------------------------
    "sites.intro": (
        "Elke locatie heeft ook een eigen schatting, met hetzelfde model binnen de locatie. "
        "Per locatie zijn de aantallen klein en de intervallen dus breed. De ruit is de "
        "schatting voor alle locaties samen."
    ),
    "sites.single": "het experiment had één locatie ({site}).",
    "sites.caption": "Effecten per locatie op {outcome}",
    "sites.site": "Locatie",
    "sites.figure": "Effecten per locatie op {outcome} met {level}-intervallen",
    "sites.desc": "Effecten per locatie op {outcome}: {items}.",
    # -- monthly -------------------------------------------------------------
    "monthly.intro": (
        "Het aandeel deelnemers met een uitkering en met werk, per maand sinds de loting "
        "(maand 0 is de maand van de loting). Maanden waarin een groep minder dan {min_cell} "
        "personen telt, zijn weggelaten."
    ),
    "monthly.on_benefit": "Aandeel met een bijstandsuitkering",
    "monthly.employed": "Aandeel met betaald werk",
    "monthly.month": "Maand sinds loting",
    "monthly.share": "Aandeel (%)",
    "monthly.randomisation": "loting",
    "monthly.figure": "{measure} per maand sinds de loting, per groep",
    "monthly.desc": (
        "Lijngrafiek van {measure} per maand van {first} tot {last}, per groep: {items}."
    ),
    "monthly.desc_item": "{arm} van {start} naar {end}",
    "monthly.none": "er zijn geen maandgegevens.",
    # -- reliability ---------------------------------------------------------
    "reliability.intro": (
        "Cronbachs alfa meet hoe goed de vragen van een schaal samenhangen; 0,7 of hoger "
        "geldt als voldoende."
    ),
    "reliability.caption": "Betrouwbaarheid (Cronbachs alfa) per schaal en meting",
    "reliability.scale": "Schaal",
    "reliability.wave": "Meting",
    "reliability.alpha": "Alfa",
    "reliability.n": "n",
    "reliability.n_items": "Vragen",
    "reliability.none": "er zijn geen schalen opgegeven.",
    # -- inference -----------------------------------------------------------
    "inference.intro": (
        "Randomisatie-inferentie herhaalt de loting {draws} keer binnen de blokken, met "
        "dezelfde groepsgroottes als in het experiment, en schat telkens hetzelfde model. De "
        "p-waarde is het aandeel lotingen met een toetsgrootheid minstens zo extreem als de "
        "werkelijke. Startwaarde (seed) van de toevalsgenerator: {seed}."
    ),
    "inference.caption": "Gewone en randomisatie-p-waarden, alle locaties samen",
    "inference.none": "randomisatie-inferentie is niet berekend (permutations = 0).",
    # -- reference -----------------------------------------------------------
    "reference.intro": (
        "Gemiddelden van de uitkomsten in de referentiegroep en in de controlegroep, alleen "
        "ter beschrijving."
    ),
    "reference.caption": "Gemiddelden in de referentiegroep en de controlegroep (beschrijvend)",
    "reference.outcome": "Uitkomst",
    "reference.arm": "Groep",
    "reference.mean": "Gemiddelde",
    "reference.n": "n",
    "reference.none": "er is geen referentiegroep.",
    # -- methods -------------------------------------------------------------
    "methods.model_intro": (
        "Voor elke uitkomst Y en elke locatie (en voor alle locaties samen) is met de kleinste-"
        "kwadratenmethode geschat:"
    ),
    "methods.model_terms": (
        "Hierin is α_s een vast effect voor blok s, τ_k het effect van groep k ten opzichte "
        "van de controlegroep, 1[arm_i = k] is 1 als persoon i in groep k zit, en X_i zijn de "
        "achtergrondkenmerken, gecentreerd rond hun gemiddelde X̄."
    ),
    "methods.model_covariates": "Blokken: {strata}. Achtergrondkenmerken: {covariates}.",
    "methods.lin": (
        "Lin-correctie: ook de interacties van elke groep met de gecentreerde kenmerken zijn "
        "opgenomen (adjustment = \"lin\")."
    ),
    "methods.baseline": (
        "Vragenlijstuitkomsten na de start zijn ook gecorrigeerd voor de beginscore op "
        "dezelfde schaal (ANCOVA)."
    ),
    "methods.binary": (
        "Ja/nee-uitkomsten zijn geschat als lineair kansmodel; het effect is een verschil in "
        "procentpunten."
    ),
    "methods.se": (
        "Standaardfouten: {se}. Betrouwbaarheidsintervallen en p-waarden gebruiken de "
        "t-verdeling met {df}. Onbetrouwbaarheid α = {alpha}."
    ),
    "methods.se.HC": "robuust voor heteroskedasticiteit ({se}, zoals in het R-pakket estimatr)",
    "methods.se.CR": "cluster-robuust ({se}, zoals in het R-pakket estimatr)",
    "methods.df.HC": "n − k vrijheidsgraden (aantal waarnemingen min aantal parameters)",
    "methods.df.CR2": "Bell-McCaffrey-vrijheidsgraden",
    "methods.df.CR": "G − 1 vrijheidsgraden (G = aantal clusters)",
    "methods.multiple": (
        "Correctie voor meervoudig toetsen: {method}, over alle (uitkomst, groep)-paren "
        "binnen een familie, apart voor alle locaties samen en voor elke locatie."
    ),
    "methods.ri": (
        "Randomisatie-inferentie: {draws} herlotingen binnen de blokken met vaste "
        "groepsgroottes, met dezelfde studentized toetsgrootheid als de schatting; seed "
        "{seed}."
    ),
    "methods.no_ri": "Randomisatie-inferentie is niet berekend.",
    "methods.reference": (
        "Een referentiegroep die niet is geloot, telt nooit mee in een schatting van een effect."
    ),
    "methods.disclosure": (
        "Privacy: aantallen kleiner dan {min_cell} zijn vervangen door \"<{min_cell}\", en "
        "elke schatting, elk gemiddelde en elke toets over zo'n kleine groep is weggelaten. "
        "Waar een weggelaten getal uit andere getallen (totalen, locaties samen, "
        "gerandomiseerd min geanalyseerd) terug te rekenen zou zijn, is ook het getal "
        "weggelaten waaruit dat kan (\"x\"), zo dat geen enkele kleine groep met aftrekken "
        "of met het samen oplossen van de tabellen te vinden is. Een bedrag in euro's waarvan "
        "één persoon meer dan de helft of twee personen meer dan driekwart bijdragen, wordt "
        "niet getoond. Er staan geen gegevens van afzonderlijke personen in dit rapport, en "
        "geen kleinste of grootste waarde van een persoon."
    ),
    "methods.software_caption": "Gebruikte software",
    "methods.balance_test": (
        "Vergelijkbaarheid bij de start: per experimentele groep en locatie is de indicator "
        "van die groep (tegenover de controlegroep) geregresseerd op de achtergrondkenmerken "
        "met vaste effecten voor de blokken; de gezamenlijke toets is een Wald-F-toets op alle "
        "hellingen met dezelfde robuuste standaardfouten als de effecten. Gestandaardiseerde "
        "verschillen zijn het verschil in gemiddelden gedeeld door de gepoolde "
        "standaardafwijking."
    ),
    "methods.attrition_test": (
        "Selectieve uitval: per meting en locatie is de respons (wel of geen antwoord) "
        "geregresseerd op de groepsindicatoren met vaste effecten voor de blokken; de toets "
        "is een Wald-F-toets dat de respons in alle groepen gelijk is (robuuste "
        "standaardfouten)."
    ),
    "methods.lee": (
        "Lee-grenzen (Lee, 2009): voor uitkomsten uit de vragenlijst na de start wordt de "
        "groep met de hoogste respons aan de boven- of onderkant getrimd tot de respons gelijk "
        "is; zo ontstaan een onder- en bovengrens voor het effect bij wie in beide groepen zou "
        "hebben geantwoord."
    ),
    "methods.compliers": (
        "Complier-effecten: voor groepen waarvan is vastgelegd wie het aanbod echt kreeg "
        "([[takeup]]), is het effect van het krijgen van het aanbod geschat met tweetraps-"
        "kleinstekwadraten (instrument: de loting), over de groep en de controlegroep, met "
        "dezelfde blokken en achtergrondkenmerken (additief). Standaardfouten HC1 (met clusters "
        "CR1, G − 1 vrijheidsgraden). De eerste trap is het effect van de loting op het krijgen "
        "van het aanbod; F < 10 wijst op een zwak instrument."
    ),
    "methods.time_to_exit": (
        "Tijd tot uitstroom: de eerste maand na de loting zonder bijstand en met werk, "
        "gecensureerd aan het eind van het venster W (wie niet uitstroomt, krijgt W). Het "
        "gemiddelde is de beperkte gemiddelde tijd tot uitstroom (restricted mean survival "
        "time); het effect is een verschil in die gemiddelden, geschat als elk ander effect."
    ),
    "methods.standardised": (
        "Gestandaardiseerde effecten voor schalen: het effect gedeeld door de "
        "standaardafwijking in de controlegroep (in dezelfde steekproef als het effect)."
    ),
    "methods.fit": (
        "De coëfficiënten van de achtergrondkenmerken en de R² van elk model staan in de "
        "resultaten (coefficients, model_fit); de achtergrondkenmerken zijn gecentreerd."
    ),
    "methods.package": "Pakket",
    "methods.version": "Versie",
    "method.holm": "Holm",
    "method.bh": "Benjamini-Hochberg",
    "method.romano-wolf": "Romano-Wolf",
    "method.none": "geen correctie",
    "adjustment.additive": "additief",
    "adjustment.lin": "Lin",
    # -- reproducibility -----------------------------------------------------
    "repro.intro": (
        "Met dezelfde gegevens, hetzelfde trial.toml, dezelfde seed en dezelfde versies van "
        "de software levert trustexp precies hetzelfde rapport op. De vingerafdrukken "
        "(SHA-256) hieronder laten zien welke bestanden zijn gebruikt."
    ),
    "repro.files_caption": "Invoerbestanden en hun SHA-256",
    "repro.name": "Tabel",
    "repro.file": "Bestand",
    "repro.sha256": "SHA-256",
    "repro.data_sha256": "Vingerafdruk van de gegevens (SHA-256)",
    "repro.seed": "Seed",
    "repro.permutations": "Aantal herlotingen",
    "repro.command": "Opdracht",
    "repro.version": "trustexp-versie",
    "repro.min_cell": "Kleinste getoonde aantal (min_cell)",
    "repro.language": "Taal",
    "repro.command_none": "(aangeroepen vanuit Python)",
    # -- regression table (ev.table) and the options used ----------------------
    "regtable.n": "N",
    "regtable.control_mean": "Gemiddelde controlegroep",
    "regtable.covariates": "Covariaten",
    "regtable.fixed_effects": "Vaste effecten voor strata",
    "regtable.r_squared": "R²",
    "regtable.se_type": "Standaardfouten",
    "regtable.yes": "ja",
    "regtable.no": "nee",
    "regtable.note_se": "Standaardfouten tussen haakjes.",
    "regtable.note_ci": "{level}-betrouwbaarheidsintervallen (niet gecorrigeerd voor meervoudig toetsen) tussen haken.",
    "regtable.note_stars": "* p < 0,10, ** p < 0,05, *** p < 0,01 (niet gecorrigeerd).",
    "regtable.note_units": "Binaire uitkomsten in procentpunten (effect) en procenten (gemiddelde controlegroep).",
    "regtable.note_withheld": "x of <{min_cell}: niet getoond om de privacy van de deelnemers te beschermen.",
    "regtable.term": "Term",
    "options.heading": "Gebruikte analyse-instellingen",
    "options.overridden": "gewijzigd",
    "options.declared": "trial.toml",
    "options.all_outcomes": "alle {n} uitkomsten van trial.toml",
    "options.caption": "Gebruikte analyse-instellingen",
    "balance.caption_wide": (
        "Tabel 1. Kenmerken bij de start per groep, alle locaties samen: gemiddelde "
        "(standaardafwijking) en gestandaardiseerd verschil met de controlegroep (d)"
    ),
    "balance.std_diff_short": "d",
    "effects.std_error": "Standaardfout",
    "doc.authors": "Auteurs: {authors}",
    "doc.registry": "Trialregistratie: {registry}",
    "doc.registry_on": "Trialregistratie: {registry}, geregistreerd op {date}",
    "doc.unregistered": "Niet vooraf geregistreerd (geen registry in trial.toml)",
    "options.option": "Instelling",
    "options.value": "Waarde",
    "options.source": "Herkomst",
    "workbook.file": "tabellen.xlsx",
    "workbook.contents": "Inhoud",
    "workbook.notes": "Toelichting",
    "workbook.output_check": "Outputcontrole",
    "workbook.sheet": "Blad",
    "workbook.caption": "Tabel",
    "workbook.csv": "CSV-bestand",
    "workbook.note": "Toelichting",
    "workbook.precision": "Getallen zijn afgerond zoals in het rapport; results.json bevat ze in volle precisie.",
}

EN: dict[str, str] = {
    # -- document ------------------------------------------------------------
    "doc.subtitle": "Evaluation report of a randomised experiment",
    "doc.generated": "Made with trustexp {version}",
    "doc.generated_on": "Made with trustexp {version} on {date}",
    "doc.toc": "Contents",
    "doc.not_applicable": "Not applicable: {reason}",
    "doc.suppressed_note": (
        "<{min_cell}: fewer than {min_cell} people; the exact number is not shown to protect "
        "the participants' privacy."
    ),
    "doc.suppressed_estimate_note": (
        "{dash}: not estimated, or not shown because a group has fewer than {min_cell} people."
    ),
    "doc.secondary_note": (
        "x: not shown because a smaller group (fewer than {min_cell} people) could otherwise be "
        "worked out from it, or because one or two people account for most of an amount."
    ),
    "doc.min_cell_banner": (
        "Note: this report was made with min_cell = {min_cell}. Groups of {min_cell} or more "
        "people are shown; the default is {default}. Check that this is allowed before the "
        "report is shared."
    ),
    "doc.min_cell_off": (
        "Note: the protection of small groups is switched off in this report (min_cell = 0). "
        "It may show counts and figures of very small groups and is not fit to be shared."
    ),
    "doc.figure_suppressed": (
        "{dash}: no estimate, or not shown because a group has fewer than {min_cell} people"
    ),
    "doc.reference_warning_title": "Not randomised",
    "doc.reference_warning": (
        "The reference group{labels} was not assigned by lottery. Differences with this "
        "group are not effects: they may come from differences between the people."
    ),
    "doc.not_randomised": "not randomised",
    "doc.pooled": "All sites pooled",
    "doc.total": "Total",
    "doc.yes": "yes",
    "doc.no": "no",
    "doc.none": "none",
    "doc.and": "and",
    "doc.to": "to",
    "doc.low": "lower",
    "doc.high": "upper",
    # -- section titles ------------------------------------------------------
    "section.summary": "Summary of findings",
    "section.design": "Design of the experiment",
    "section.flow": "Participant flow",
    "section.validation": "Data checks",
    "section.balance": "Balance at baseline",
    "section.attrition": "Attrition and response by wave",
    "section.effects": "Effects",
    "section.sites": "Effects by site",
    "section.monthly": "Month by month",
    "section.reliability": "Reliability of the scales",
    "section.inference": "Randomisation inference",
    "section.reference": "Reference group (descriptive)",
    "section.methods": "Appendix: methods",
    "section.reproducibility": "Appendix: reproducibility",
    # -- summary -------------------------------------------------------------
    "summary.intro": (
        "{n} people took part in this experiment and were assigned by lottery to {n_arms} "
        "groups{sites}. Each experimental group is compared with the control group{control}. "
        "For each outcome the estimated difference is shown below with its {level} "
        "confidence interval."
    ),
    "summary.sites": " at {n_sites} sites",
    "summary.primary_heading": "Primary outcomes",
    "summary.secondary_heading": "Other outcomes",
    "summary.no_primary": (
        "No outcome is marked as primary in trial.toml; all outcomes are listed below."
    ),
    "summary.effect_up": (
        "{arm}: higher than in the control group, by {estimate}{std} (unadjusted {level} "
        "interval {low} to {high}; adjusted p = {p_adj})."
    ),
    "summary.effect_down": (
        "{arm}: lower than in the control group, by {estimate}{std} (unadjusted {level} "
        "interval {low} to {high}; adjusted p = {p_adj})."
    ),
    "summary.nominal_only": (
        "{arm}: no effect could be shown; {estimate}{std} (unadjusted {level} interval {low} "
        "to {high}). Without correction for multiple testing the difference is statistically significant "
        "(p = {p}), after correction it is not (adjusted p = {p_adj})."
    ),
    "summary.no_effect": (
        "{arm}: no effect could be shown; {estimate}{std} (unadjusted {level} interval {low} "
        "to {high}; adjusted p = {p_adj})."
    ),
    "summary.not_estimated": "{arm}: no estimate could be made or shown.",
    "summary.secondary_count": (
        "Of the {n} estimates for the other outcomes, {k} {verb} statistically significant "
        "after correction for multiple testing (see the section '{link}')."
    ),
    "summary.verb_one": "is",
    "summary.verb_many": "are",
    "summary.secondary_none": (
        "Of the {n} estimates for the other outcomes, none is statistically significant "
        "{correction} (see the section '{link}')."
    ),
    "summary.secondary_one": (
        "Of the {n} estimates for the other outcomes, one is statistically significant "
        "{correction}: {pairs} (see the section '{link}')."
    ),
    "summary.secondary_some": (
        "Of the {n} estimates for the other outcomes, {k} are statistically significant "
        "{correction}: {pairs} (see the section '{link}')."
    ),
    "summary.pair": "{outcome}, {arm} ({estimate}; adjusted p = {p_adj})",
    "summary.where_site": " at {site}",
    "summary.after_correction": "after correction for multiple testing",
    "summary.without_correction": "without correction for multiple testing",
    "summary.where_pooled": " (all sites together)",
    "summary.standardised": ", that is {d} standard deviations of the control group",
    "summary.balance_all": (
        "The groups were comparable at baseline on the measured characteristics: none of the "
        "{k} balance tests (all sites together and per site) shows a significant difference "
        "(smallest p = {p})."
    ),
    "summary.imbalance_at": (
        "Note: at baseline {arm}{where} differs from the control group (balance test: "
        "p = {p}); see the section on balance."
    ),
    "summary.attrition_at": (
        "Note: survey response at wave {wave} differs between the groups{where} (test of "
        "differential attrition: p = {p}); see the section on attrition."
    ),
    "summary.attrition_none": (
        "None of the {k} tests of differential attrition (per wave, all sites together and "
        "per site) shows a significant difference in response between the groups."
    ),
    "summary.multiple": (
        "The p-values are adjusted for multiple testing within each family of outcomes, with "
        "the {method} method."
    ),
    "summary.multiple_none": (
        "The p-values are not adjusted for multiple testing (multiple_testing = \"none\"); "
        "with many tests, a single significant result is to be expected by chance."
    ),
    "summary.interval": (
        "The {level} confidence interval is the range of effects consistent with the data. "
        "\"No effect could be shown\" means that the difference, after correction for "
        "multiple testing, may have arisen by chance; not that there is no effect: effects "
        "within the interval remain possible."
    ),
    "summary.balance": (
        "The groups were comparable at baseline on the measured characteristics (joint test: "
        "smallest p = {p})."
    ),
    "summary.imbalance": (
        "Note: the joint test of balance at baseline gives p = {p}; see the section on "
        "balance."
    ),
    "summary.attrition": (
        "Note: survey response differs between the groups (test of differential attrition: "
        "smallest p = {p}); see the section on attrition."
    ),
    # -- design --------------------------------------------------------------
    "design.intro": (
        "Participants were assigned by lottery to one of the groups below. Randomised between "
        "{first} and {last}."
    ),
    "design.arms_caption": "Groups of the experiment",
    "design.arm": "Group",
    "design.arm_id": "Code",
    "design.kind": "Kind",
    "design.randomised": "Randomised",
    "design.n": "Number",
    "design.sites_caption": "Participants by group and site",
    "design.dates_caption": "Period of randomisation by site",
    "design.site": "Site",
    "design.first": "First randomised",
    "design.last": "Last randomised",
    "design.strata": (
        "Randomisation took place within blocks (strata) formed by {columns}: {n} blocks. The "
        "analysis accounts for this with fixed effects per block."
    ),
    "design.no_strata": "No blocks (strata) were declared for the randomisation.",
    "design.cluster": (
        "The unit randomised is a cluster ({column}): {n} clusters. The standard errors "
        "account for this."
    ),
    "design.outcomes_caption": "Outcomes",
    "design.outcome": "Outcome",
    "design.family": "Family",
    "design.primary": "Primary",
    "design.type": "Type",
    "design.source": "Source",
    "kind.control": "control",
    "kind.exemption": "exemption",
    "kind.extra_earnings": "extra earnings",
    "kind.intensive_guidance": "intensive guidance",
    "kind.combined": "combined",
    "kind.other": "other",
    "kind.reference": "reference (not randomised)",
    "type.continuous": "continuous",
    "type.binary": "yes/no",
    "type.count": "count",
    "type.duration": "duration",
    "source.participants": "participants",
    "source.monthly": "monthly data",
    "source.survey": "survey",
    # -- flow ----------------------------------------------------------------
    "flow.intro": (
        "The diagram follows the participants from randomisation to analysis (after the "
        "CONSORT model). Everyone randomised counts in the group they were assigned to "
        "(intention-to-treat); people without data for an outcome drop out of the analysis "
        "of that outcome."
    ),
    "flow.figure": "Participant flow by group",
    "flow.randomised": "Randomised",
    "flow.allocated": "Allocated",
    "flow.analysed": "Analysed",
    "flow.missing": "No data",
    "flow.family": "Family {family}",
    "flow.reference": "Reference group",
    "flow.caption": "Participants by outcome and group",
    "flow.outcome": "Outcome",
    "flow.arm": "Group",
    "flow.n_randomised": "Randomised",
    "flow.n_analysed": "With outcome data",
    "flow.n_missing": "Without outcome data",
    "flow.status": "Count",
    "flow.n_allocated": "Number in the group",
    "flow.desc": (
        "{n} participants were randomised. {arms}. For each family of outcomes: the number "
        "with and without data per group; the table below gives the numbers."
    ),
    "flow.desc_arm": "{arm}: {n}",
    # -- validation ----------------------------------------------------------
    "validation.ok": "The data meet the data contract: {errors} errors, {warnings} warnings.",
    "validation.rows_caption": "Tables read",
    "validation.table": "Table",
    "validation.file": "File",
    "validation.rows": "Rows",
    "validation.warnings_caption": "Warnings (without any person's data)",
    "validation.column": "Column",
    "validation.rule": "Rule",
    "validation.count": "Number",
    "validation.no_warnings": "There are no warnings.",
    "validation.privacy": (
        "Warnings are only counted by rule and column; values and row numbers of persons are "
        "not in this report."
    ),
    # -- balance -------------------------------------------------------------
    "balance.intro": (
        "Because of the lottery the groups should on average be alike at baseline. The "
        "standardised differences compare each group with the control group; differences "
        "larger than 0.1 (in absolute value) are marked (*). A joint test checks whether the "
        "characteristics together predict the assignment."
    ),
    "balance.caption": "Characteristics at baseline, all sites pooled",
    "balance.covariate": "Characteristic",
    "balance.arm": "Group",
    "balance.mean_arm": "Mean group (sd)",
    "balance.mean_control": "Mean control (sd)",
    "balance.std_diff": "Std. difference",
    "balance.n_arm": "n group",
    "balance.n_control": "n control",
    "balance.flag_note": "*: standardised difference larger than 0.1 in absolute value.",
    "balance.tests_caption": "Joint test of balance (F test)",
    "balance.site": "Site",
    "balance.statistic": "F",
    "balance.df": "Degrees of freedom",
    "balance.p": "p",
    "balance.n": "n",
    "balance.none": "no baseline characteristics (covariates) are declared in trial.toml.",
    # -- attrition -----------------------------------------------------------
    "attrition.intro": (
        "Not everyone answers every survey. If response differs between the groups, the "
        "effects on survey outcomes may be biased. The test of differential attrition checks "
        "whether response differs by group; Lee bounds give the range of the effect if "
        "attrition is selective in the worst way."
    ),
    "attrition.caption": "Response by wave and group, all sites pooled",
    "attrition.wave": "Wave",
    "attrition.arm": "Group",
    "attrition.n_randomised": "Randomised",
    "attrition.n_responded": "Responded",
    "attrition.rate": "Response rate",
    "attrition.tests_caption": "Test of differential attrition by wave (F test)",
    "attrition.site": "Site",
    "attrition.lee_caption": "Lee bounds for the effects on survey outcomes",
    "attrition.outcome": "Outcome",
    "attrition.lower": "Lower bound",
    "attrition.upper": "Upper bound",
    "attrition.trimming": "Share trimmed",
    "attrition.trimmed_group": "Group trimmed",
    "attrition.none": "there are no survey data.",
    "attrition.baseline": "0 (baseline)",
    "attrition.wave_title": "Wave {wave}",
    "attrition.trimmed.treated": "treatment group",
    "attrition.trimmed.control": "control group",
    # -- effects -------------------------------------------------------------
    "effects.intro": (
        "For each outcome: the difference between each experimental group and the control "
        "group (intention-to-treat), with the {level} confidence interval, the p-value, the "
        "p-value adjusted for multiple testing ({method}, within the family) and the control "
        "group's mean. Yes/no outcomes are in percentage points, numbers of months in months, "
        "amounts in euros."
    ),
    "effects.family": "Family: {family}",
    "effects.caption": "Effects on the outcomes of family {family}, all sites pooled",
    "effects.outcome": "Outcome",
    "effects.arm": "Group",
    "effects.estimate": "Effect",
    "effects.ci": "{level} interval",
    "effects.p": "p",
    "effects.p_adjusted": "Adj. p",
    "effects.p_ri": "p (RI)",
    "effects.n": "n",
    "effects.control_mean": "Control mean",
    "effects.primary_mark": "primary",
    "effects.figure": (
        "Effects on the outcomes of family {family} with {level} intervals; the vertical line "
        "is zero (no difference)"
    ),
    "effects.desc": "Estimated effects and {level} intervals: {items}.",
    "effects.desc_item": "{arm}, {outcome}: {estimate} ({low} to {high})",
    "effects.desc_missing": "{arm}, {outcome}: not shown",
    "effects.none": "no effects were estimated.",
    "effects.compliers_title": "Effect on those who actually received the offer (complier effect)",
    "effects.compliers_intro": (
        "Not everyone in an experimental group actually received the offer. The complier "
        "effect estimates the effect on those who received the offer because they were "
        "assigned to it: an instrumental-variables estimate with the lottery as the "
        "instrument. The first stage is the difference in the share that received the offer; "
        "an F value below 10 signals a weak instrument. These p-values are not adjusted for "
        "multiple testing."
    ),
    "effects.compliers_caption": "Complier effects, all sites pooled",
    "effects.first_stage": "First stage",
    "effects.first_stage_f": "First-stage F",
    "unit.pp": "percentage points",
    "unit.pp_short": "pp",
    "unit.months": "months",
    "unit.euro": "euros",
    "unit.points": "points",
    # -- sites ---------------------------------------------------------------
    "sites.intro": (
        "Each site also has its own estimate, with the same model within the site. Per site "
        "the numbers are small and the intervals therefore wide. The diamond is the estimate "
        "for all sites pooled."
    ),
    "sites.single": "the experiment had one site ({site}).",
    "sites.caption": "Effects by site on {outcome}",
    "sites.site": "Site",
    "sites.figure": "Effects by site on {outcome} with {level} intervals",
    "sites.desc": "Effects by site on {outcome}: {items}.",
    # -- monthly -------------------------------------------------------------
    "monthly.intro": (
        "The share of participants on benefit and in paid work, by month since randomisation "
        "(month 0 is the month of randomisation). Months in which a group has fewer than "
        "{min_cell} people are left out."
    ),
    "monthly.on_benefit": "Share on social assistance",
    "monthly.employed": "Share in paid work",
    "monthly.month": "Month since randomisation",
    "monthly.share": "Share (%)",
    "monthly.randomisation": "randomisation",
    "monthly.figure": "{measure} by month since randomisation, by group",
    "monthly.desc": "Line chart of {measure} by month from {first} to {last}, by group: {items}.",
    "monthly.desc_item": "{arm} from {start} to {end}",
    "monthly.none": "there are no monthly data.",
    # -- reliability ---------------------------------------------------------
    "reliability.intro": (
        "Cronbach's alpha measures how well the items of a scale hang together; 0.7 or higher "
        "is usually considered adequate."
    ),
    "reliability.caption": "Reliability (Cronbach's alpha) by scale and wave",
    "reliability.scale": "Scale",
    "reliability.wave": "Wave",
    "reliability.alpha": "Alpha",
    "reliability.n": "n",
    "reliability.n_items": "Items",
    "reliability.none": "no scales are declared.",
    # -- inference -----------------------------------------------------------
    "inference.intro": (
        "Randomisation inference repeats the lottery {draws} times within the blocks, keeping "
        "the group sizes of the experiment, and fits the same model each time. The p-value is "
        "the share of lotteries with a test statistic at least as extreme as the real one. "
        "Seed of the random number generator: {seed}."
    ),
    "inference.caption": "Conventional and randomisation p-values, all sites pooled",
    "inference.none": "randomisation inference was not computed (permutations = 0).",
    # -- reference -----------------------------------------------------------
    "reference.intro": (
        "Means of the outcomes in the reference group and in the control group, for "
        "description only."
    ),
    "reference.caption": "Means in the reference group and the control group (descriptive)",
    "reference.outcome": "Outcome",
    "reference.arm": "Group",
    "reference.mean": "Mean",
    "reference.n": "n",
    "reference.none": "there is no reference group.",
    # -- methods -------------------------------------------------------------
    "methods.model_intro": (
        "For each outcome Y and each site (and for all sites pooled), ordinary least squares "
        "estimated:"
    ),
    "methods.model_terms": (
        "Here α_s is a fixed effect for block s, τ_k the effect of group k relative to the "
        "control group, 1[arm_i = k] is 1 if person i is in group k, and X_i are the baseline "
        "characteristics, centred at their mean X̄."
    ),
    "methods.model_covariates": "Blocks: {strata}. Baseline characteristics: {covariates}.",
    "methods.lin": (
        "Lin adjustment: the interactions of each group with the centred characteristics are "
        "included as well (adjustment = \"lin\")."
    ),
    "methods.baseline": (
        "Survey outcomes after baseline also adjust for the baseline score on the same scale "
        "(ANCOVA)."
    ),
    "methods.binary": (
        "Yes/no outcomes are estimated as linear probability models; the effect is a "
        "difference in percentage points."
    ),
    "methods.se": (
        "Standard errors: {se}. Confidence intervals and p-values use the t distribution with "
        "{df}. Significance level α = {alpha}."
    ),
    "methods.se.HC": "heteroskedasticity-robust ({se}, as R's estimatr)",
    "methods.se.CR": "cluster-robust ({se}, as R's estimatr)",
    "methods.df.HC": "n − k degrees of freedom (observations minus parameters)",
    "methods.df.CR2": "Bell-McCaffrey degrees of freedom",
    "methods.df.CR": "G − 1 degrees of freedom (G = number of clusters)",
    "methods.multiple": (
        "Multiple-testing adjustment: {method}, over all (outcome, group) pairs within a "
        "family, separately for all sites pooled and for each site."
    ),
    "methods.ri": (
        "Randomisation inference: {draws} re-randomisations within the blocks with fixed group "
        "sizes, using the same studentised statistic as the estimate; seed {seed}."
    ),
    "methods.no_ri": "Randomisation inference was not computed.",
    "methods.reference": (
        "A reference group that was not randomised never enters an effect estimate."
    ),
    "methods.disclosure": (
        "Privacy: counts smaller than {min_cell} are replaced by \"<{min_cell}\", and every "
        "estimate, mean and test about such a small group is left out. Where a withheld number "
        "could be worked out from others (totals, the sites together, randomised minus "
        "analysed), the number it could be worked out from is withheld too (\"x\"), so that "
        "no small group can be found by subtraction or by solving the tables together. An "
        "amount in euros to which one person contributes more than half, or two people more "
        "than three quarters, is not shown. This report contains no data on individual "
        "persons, and no smallest or largest value of a person."
    ),
    "methods.software_caption": "Software used",
    "methods.balance_test": (
        "Balance at baseline: for each experimental group and site, the indicator of that "
        "group (against control) is regressed on the baseline characteristics with block fixed "
        "effects; the joint test is a Wald F test of all slopes with the same robust standard "
        "errors as the effects. Standardised differences are the difference in means divided "
        "by the pooled standard deviation."
    ),
    "methods.attrition_test": (
        "Differential attrition: for each survey wave and site, response (answered or not) is "
        "regressed on the group indicators with block fixed effects; the test is a Wald F test "
        "that response is the same in every group (robust standard errors)."
    ),
    "methods.lee": (
        "Lee bounds (Lee, 2009): for survey outcomes after baseline, the group with the higher "
        "response is trimmed from the top or the bottom until response is equal, which gives a "
        "lower and an upper bound for the effect among those who would have answered in either "
        "group."
    ),
    "methods.compliers": (
        "Complier effects: for groups whose take-up was recorded ([[takeup]]), the effect of "
        "receiving the offer is estimated by two-stage least squares (instrument: the lottery), "
        "over the group and the control group, with the same blocks and baseline "
        "characteristics (additive). Standard errors HC1 (with clusters CR1, G − 1 degrees of "
        "freedom). The first stage is the effect of the lottery on take-up; F < 10 points to a "
        "weak instrument."
    ),
    "methods.time_to_exit": (
        "Time to exit: the first month after randomisation off benefit and in work, censored "
        "at the end of the window W (a person without an exit gets W). Its mean is the "
        "restricted mean time to exit (restricted mean survival time); the effect is a "
        "difference in these means, estimated like any other effect."
    ),
    "methods.standardised": (
        "Standardised effects for scales: the effect divided by the control group's standard "
        "deviation (in the same sample as the effect)."
    ),
    "methods.fit": (
        "The coefficients of the baseline characteristics and the R² of every model are in the "
        "results (coefficients, model_fit); the baseline characteristics are centred."
    ),
    "methods.package": "Package",
    "methods.version": "Version",
    "method.holm": "Holm",
    "method.bh": "Benjamini-Hochberg",
    "method.romano-wolf": "Romano-Wolf",
    "method.none": "no adjustment",
    "adjustment.additive": "additive",
    "adjustment.lin": "Lin",
    # -- reproducibility -----------------------------------------------------
    "repro.intro": (
        "With the same data, the same trial.toml, the same seed and the same software "
        "versions, trustexp produces exactly the same report. The fingerprints (SHA-256) below "
        "show which files were used."
    ),
    "repro.files_caption": "Input files and their SHA-256",
    "repro.name": "Table",
    "repro.file": "File",
    "repro.sha256": "SHA-256",
    "repro.data_sha256": "Fingerprint of the data (SHA-256)",
    "repro.seed": "Seed",
    "repro.permutations": "Number of re-randomisations",
    "repro.command": "Command",
    "repro.version": "trustexp version",
    "repro.min_cell": "Smallest count shown (min_cell)",
    "repro.language": "Language",
    "repro.command_none": "(called from Python)",
    # -- regression table (ev.table) and the options used ----------------------
    "regtable.n": "N",
    "regtable.control_mean": "Control mean",
    "regtable.covariates": "Covariates",
    "regtable.fixed_effects": "Strata fixed effects",
    "regtable.r_squared": "R²",
    "regtable.se_type": "Standard errors",
    "regtable.yes": "yes",
    "regtable.no": "no",
    "regtable.note_se": "Standard errors in parentheses.",
    "regtable.note_ci": "{level} confidence intervals (not adjusted for multiple testing) in brackets.",
    "regtable.note_stars": "* p < 0.10, ** p < 0.05, *** p < 0.01 (unadjusted).",
    "regtable.note_units": "Binary outcomes in percentage points (effect) and percent (control mean).",
    "regtable.note_withheld": "x or <{min_cell}: withheld to protect the participants' privacy.",
    "regtable.term": "Term",
    "options.heading": "Analysis options used",
    "options.overridden": "changed",
    "options.declared": "trial.toml",
    "options.all_outcomes": "all {n} outcomes of trial.toml",
    "options.caption": "Analysis options used",
    "balance.caption_wide": (
        "Table 1. Baseline characteristics by group, all sites together: mean (standard "
        "deviation) and standardised difference from the control group (d)"
    ),
    "balance.std_diff_short": "d",
    "effects.std_error": "Std. error",
    "doc.authors": "Authors: {authors}",
    "doc.registry": "Trial registration: {registry}",
    "doc.registry_on": "Trial registration: {registry}, registered on {date}",
    "doc.unregistered": "Not registered in advance (no registry in trial.toml)",
    "options.option": "Option",
    "options.value": "Value",
    "options.source": "Source",
    "workbook.file": "tables.xlsx",
    "workbook.contents": "Contents",
    "workbook.notes": "Notes",
    "workbook.output_check": "Output check",
    "workbook.sheet": "Sheet",
    "workbook.caption": "Table",
    "workbook.csv": "CSV file",
    "workbook.note": "Note",
    "workbook.precision": "Numbers are rounded as in the report; results.json holds them at full precision.",
}

CATALOGUES: dict[str, dict[str, str]] = {"nl": NL, "en": EN}

_MONTHS = {
    "nl": (
        "januari", "februari", "maart", "april", "mei", "juni",
        "juli", "augustus", "september", "oktober", "november", "december",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip


def check_language(lang: str) -> str:
    """Return ``lang`` if it is a supported report language, else raise.

    Raises
    ------
    OptionError
        When ``lang`` is not one of :data:`LANGUAGES`.
    """
    if lang not in LANGUAGES:
        raise OptionError(
            f"The 'lang' parameter of report must be one of {', '.join(LANGUAGES)}. "
            f"Got {lang!r} instead."
        )
    return lang


def placeholders(text: str) -> set[str]:
    """Return the names of the ``{placeholders}`` in a catalogue string."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _is_missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return math.isnan(float(x))
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True, slots=True)
class Locale:
    """The report language: fixed text and number formatting.

    Parameters
    ----------
    lang
        ``"nl"`` (decimal comma, point grouping: 1.234,5) or ``"en"`` (1,234.5).
    """

    lang: str

    def __post_init__(self) -> None:
        check_language(self.lang)

    # -- text ----------------------------------------------------------------
    def t(self, key: str, /, **values: Any) -> str:
        """Return the catalogue string ``key``, with ``values`` filled in."""
        text = CATALOGUES[self.lang][key]
        return text.format(**values) if values else text

    # -- numbers -------------------------------------------------------------
    def _swap(self, text: str) -> str:
        if self.lang == "nl":
            text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text

    def number(self, x: Any, digits: int = 1, *, sign: bool = False) -> str:
        """Format a number with ``digits`` decimals, grouping and a true minus sign.

        Parameters
        ----------
        x
            The number; ``None`` or NaN give a dash.
        digits
            Decimals to show.
        sign
            Show ``+`` before positive numbers (used for effects).
        """
        if _is_missing(x):
            return DASH
        value = float(x)
        if math.isinf(value):
            return ("" if value > 0 else MINUS) + "\u221e"
        text = f"{abs(value):,.{digits}f}"
        negative = value < 0 and float(text.replace(",", "")) != 0
        text = self._swap(text)
        if negative:
            return MINUS + text
        if sign and float(text.replace(".", "").replace(",", "")) != 0:
            return "+" + text
        return text

    def integer(self, n: Any) -> str:
        """Format a whole number with grouping (1.234 or 1,234)."""
        if _is_missing(n):
            return DASH
        return self.number(round(float(n)), 0)

    def percent(self, share: Any, digits: int = 1) -> str:
        """Format a share (0.123) as a percentage ("12,3%")."""
        if _is_missing(share):
            return DASH
        return self.number(100 * float(share), digits) + "%"

    def p_value(self, p: Any) -> str:
        """Format a p-value: three decimals, or "< 0,001" below that."""
        if _is_missing(p):
            return DASH
        if float(p) < 0.001:
            return "< " + self.number(0.001, 3)
        return self.number(p, 3)

    def level(self, alpha: float) -> str:
        """The confidence level for ``alpha`` as text ("95%")."""
        conf = 100 * (1 - alpha)
        digits = 0 if abs(conf - round(conf)) < 1e-9 else 1
        return self.number(conf, digits) + "%"

    def date(self, value: Any) -> str:
        """Format a date in words: "1 oktober 2017" / "1 October 2017"."""
        if _is_missing(value) or value is None:
            return DASH
        return f"{value.day} {_MONTHS[self.lang][value.month - 1]} {value.year}"

    def month(self, year: int, month: int) -> str:
        """Format a calendar month in words: "oktober 2017" / "October 2017"."""
        return f"{_MONTHS[self.lang][month - 1]} {year}"

    def timestamp(self, epoch: int) -> str:
        """Format a Unix time (``SOURCE_DATE_EPOCH``) as a UTC date."""
        return self.date(datetime.fromtimestamp(int(epoch), tz=UTC))

    def join(self, items: list[str]) -> str:
        """Join items as "a, b en c" / "a, b and c"."""
        items = [i for i in items if i]
        if len(items) <= 1:
            return "".join(items)
        return ", ".join(items[:-1]) + f" {self.t('doc.and')} " + items[-1]
