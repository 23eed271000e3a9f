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
from typing import Any

from trustexp.errors import OptionError
from trustexp.literals import LANGUAGES

__all__ = ["CATALOGUES", "LANGUAGES", "Locale", "check_language"]


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
    "doc.not_estimable": "niet te schatten",
    "doc.not_estimable_note": "Niet te schatten: {items}.",
    "reason.unobserved": "niemand in de steekproef heeft een waarde voor deze uitkomst",
    "reason.unobserved_control": "niemand in de controlegroep heeft een waarde voor deze uitkomst",
    "reason.unobserved_treated": "niemand in een experimentele groep heeft een waarde voor deze uitkomst",
    "reason.unobserved_arm": "niemand in deze groep heeft een waarde voor deze uitkomst",
    "reason.not_finite": "de uitkomst heeft waarden die geen eindige getallen zijn",
    "reason.too_large": "de uitkomst heeft waarden die te groot zijn om mee te rekenen",
    "reason.constant": "de uitkomst is voor iedereen in de steekproef gelijk",
    "reason.covariate": "een achtergrondkenmerk heeft waarden die te groot of niet eindig zijn",
    "reason.zero_se": "de standaardfout is nul of niet eindig (de uitkomst wordt exact voorspeld)",
    "reason.collinear": "de kolommen van het model zijn (op afronding na) lineair afhankelijk",
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
    "summary.no_variance": (
        "{arm}: {estimate}, maar zonder betrouwbaarheidsinterval of p-waarde: de variantie "
        "van deze groep is niet te schatten (te weinig personen voor het aantal parameters "
        "of clusters); niet meegeteld in de correctie voor meervoudig toetsen."
    ),
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
    "summary.after_correction": "na correctie voor meervoudig toetsen",
    "summary.without_correction": "zonder correctie voor meervoudig toetsen",
    "summary.standardised": ", dat is {d} standaardafwijking van de controlegroep",
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
        "De groepen waren bij de start vergelijkbaar op de gemeten kenmerken: geen van de {m} "
        "gezamenlijke toetsen (per groep en locatie, randomisatietoets, Holm-correctie voor "
        "{m} toetsen) wijst op een verschil."
    ),
    "summary.imbalance": (
        "Let op: na Holm-correctie voor {m} gezamenlijke toetsen op vergelijkbaarheid bij de "
        "start wijst de toets op een verschil bij {where}; zie de paragraaf over "
        "vergelijkbaarheid."
    ),
    "summary.attrition": (
        "Let op: de respons op de vragenlijst verschilt tussen de groepen bij {where} (toets "
        "op selectieve uitval, Holm-correctie voor {m} toetsen); zie de paragraaf over uitval."
    ),
    "summary.where_arm": "{site}, {arm} (gecorrigeerde p: {p})",
    "balance.not_testable": "niet toetsbaar",
    "summary.where_wave": "{site}, meting {wave} (gecorrigeerde p: {p})",
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
    "balance.missing_note": (
        "Ontbrekende waarden bij de start: {items}. In de modellen is een ontbrekende waarde "
        "vervangen door het gemiddelde, met een indicator voor het ontbreken (bij een "
        "categorisch kenmerk: alleen de indicator)."
    ),
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
    "attrition.lee_ci": "{level}-interval (Imbens-Manski)",
    "attrition.trimming": "Getrimd aandeel",
    "attrition.trimmed_group": "Getrimde groep",
    "attrition.none": "er zijn geen vragenlijstgegevens.",
    "attrition.baseline": "0 (start)",
    "attrition.wave_title": "Meting {wave}",
    "attrition.trimmed.treated": "experimentele groep",
    "attrition.trimmed.control": "controlegroep",
    "attrition.trimmed.mixed": "verschilt per blok",
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
    "methods.se_declared": (
        "; het plan noemde {declared}, en omdat er per cluster ({cluster}) is geloot zijn de "
        "standaardfouten cluster-robuust"
    ),
    "methods.df.HC": "n − k vrijheidsgraden (aantal waarnemingen min aantal parameters)",
    "methods.df.CR2": "Bell-McCaffrey-vrijheidsgraden",
    "methods.df.CR": "G − 1 vrijheidsgraden (G = aantal clusters)",
    "methods.estimand": (
        "Wat de intervallen dekken: het gemiddelde effect van elke groep in de populatie "
        "waaruit de deelnemers komen (robuuste standaardfouten; voor de deelnemers zelf "
        "zijn ze conservatief). Het interval van randomisatie-inferentie (primaire "
        "uitkomsten) dekt een effect dat voor iedereen gelijk is; het complier-effect is "
        "het effect voor wie het aanbod gebruikt omdat het werd gedaan; de Lee-grenzen "
        "gelden voor wie in beide groepen zou antwoorden. Een groep waarvan de variantie "
        "niet te schatten is (bijvoorbeeld niet meer personen dan parameters) krijgt geen "
        "interval en telt niet mee in de correctie voor meervoudig toetsen."
    ),
    "methods.estimand_lin": (
        "Wat de intervallen dekken: met de Lin-correctie het gemiddelde effect in de "
        "deelnemers zelf (het steekproefgemiddelde effect); voor het populatiegemiddelde "
        "effect zijn ze te smal als effecten met de kenmerken verschillen. Het interval van "
        "randomisatie-inferentie (primaire uitkomsten) dekt een effect dat voor iedereen "
        "gelijk is; het complier-effect is het effect voor wie het aanbod gebruikt omdat "
        "het werd gedaan; de Lee-grenzen gelden voor wie in beide groepen zou antwoorden. "
        "Een groep waarvan de variantie niet te schatten is krijgt geen interval en telt "
        "niet mee in de correctie voor meervoudig toetsen."
    ),
    "methods.checks": (
        "De toetsen op vergelijkbaarheid bij de start en op selectieve uitval zijn "
        "randomisatietoetsen: de loting is opnieuw uitgevoerd zoals het ontwerp dat deed "
        "(binnen blokken, met vaste groepsgroottes, hele clusters). Een respons die (bijna) "
        "voor iedereen gelijk is, is niet toetsbaar. Lee-grenzen zijn binnen de blokken "
        "bepaald, met een betrouwbaarheidsinterval volgens Imbens en Manski."
    ),
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
    # -- paths and survival --------------------------------------------------
    "section.paths": "Effecten per maand: wanneer ze optreden en of ze blijven",
    "section.survival": "Tijd tot uitstroom naar werk",
    "paths.none": "er zijn geen maandgegevens om effecten per maand te schatten.",
    "paths.intro": (
        "Het effect van elke groep ten opzichte van de controlegroep in elke maand sinds de "
        "loting, met hetzelfde model als de hoofdschatting. Het donkere vlak is het "
        "{level}-interval per maand, het lichte vlak de {level}-band die voor alle maanden "
        "tegelijk geldt: alleen waar de band de nullijn niet raakt, is er een effect in die "
        "maand aangetoond, rekening houdend met het aantal maanden. Grijs gearceerd: de "
        "maanden van het experiment; daarna de maanden na afloop."
    ),
    "paths.method": (
        "Standaardfouten als in de hoofdanalyse. De band gebruikt de kritieke waarde van het "
        "maximum van de absolute t-waarden over de maanden (sup-t), berekend uit trekkingen van "
        "de geschatte correlatie tussen de maanden (een Gaussische multiplier-bootstrap); de "
        "grootste kritieke waarde is {critical}."
    ),
    "paths.series.on_benefit": "In de bijstand",
    "paths.series.employed": "Betaald werk",
    "paths.series.work_off_benefit": "Werk zonder bijstand",
    "paths.series.work_on_benefit": "Werk naast de bijstand",
    "paths.series.earnings": "Verdiensten in de maand",
    "paths.hours": "(minstens {hours} uur per maand)",
    "paths.desc_item": "{arm}: band buiten nul in maand {months}",
    "paths.desc_none": "geen",
    "paths.unit_euro": "Effect (euro)",
    "paths.unit_pp": "Effect (procentpunt)",
    "paths.in_trial": "tijdens het experiment",
    "paths.after_trial": "na afloop",
    "paths.estimate": "schatting",
    "paths.pointwise": "{level}-interval per maand",
    "paths.band": "{level}-band over alle maanden",
    "paths.figure": "{series}: effect per maand sinds de loting, met {level}-intervallen en -band",
    "paths.desc": "Effect op {series} per maand, per groep; {items}.",
    "survival.none": "er is geen uitkomst tijd tot uitstroom (time_to_exit).",
    "survival.intro": (
        "Tijd tot de eerste maand zonder bijstand en met werk. Wie uit de gegevens verdwijnt "
        "(bijvoorbeeld door een verhuizing) telt tot de laatste maand zonder gat mee en niet "
        "als uitstroom (censurering). De tabel geeft het verschil in gemiddelde tijd tot "
        "uitstroom binnen de periode (beperkt tot het einde ervan; negatief is sneller), de "
        "hazard ratio (groter dan 1 is sneller) en de log-ranktoets binnen de strata van de loting."
    ),
    "survival.method": (
        "Kaplan-Meier met Greenwood-standaardfouten; log-ranktoets gestratificeerd naar de "
        "loting; Cox-model gestratificeerd naar de loting, met Efron voor gelijke tijden en "
        "robuuste standaardfouten (geclusterd waar een cluster is opgegeven). Een getal "
        "waarachter minder dan min_cell personen staan, wordt niet getoond."
    ),
    "survival.rmst_arm": "Gemiddelde tijd groep (mnd)",
    "survival.rmst_control": "Gemiddelde tijd controle (mnd)",
    "survival.difference": "Verschil (mnd)",
    "survival.ci": "{level}-interval",
    "survival.hr": "Hazard ratio",
    "survival.p_cox": "p (Cox)",
    "survival.p_logrank": "p (log-rank)",
    "survival.events": "Uitgestroomd (groep)",
    "survival.events_control": "Uitgestroomd (controle)",
    "survival.caption": "{outcome}: verschil in gemiddelde tijd tot uitstroom en hazard ratio",
    "survival.month": "Maand sinds het begin van de periode",
    "survival.share": "Nog niet uitgestroomd (%)",
    "survival.at_risk": "Aantal in risico",
    "survival.figure": "{outcome}: Kaplan-Meier per groep, met {level}-intervallen",
    "survival.desc": "Kaplan-Meier-curven per groep; aan het einde nog niet uitgestroomd: {items}.",
    # -- subgroups, margins, pooling (issue 12) ------------------------------
    "section.subgroups": "Voor wie: effecten in subgroepen",
    "section.margins": "Wat is uit te sluiten: toetsen tegen een marge",
    "subgroups.none": "er zijn geen subgroepen vooraf vastgelegd in trial.toml.",
    "subgroups.predeclared": "vooraf vastgelegd",
    "subgroups.exploratory": "verkennend",
    "subgroups.group": "Subgroep",
    "subgroups.p_adjusted": "p (gecorrigeerd)",
    "subgroups.caption": "Effecten per subgroep: {subgroup} ({status})",
    "subgroups.outcome_arm": "Uitkomst en groep",
    "subgroups.difference": "Verschil tussen de subgroepen (interactie)",
    "subgroups.interaction_f": "Toets op verschil tussen de subgroepen (F = {f})",
    "subgroups.intro": (
        "De subgroepen zijn vooraf vastgelegd in het analyseplan (trial.toml). Per subgroep is "
        "het effect geschat met hetzelfde model als voor alle deelnemers samen; de interactietoets "
        "zegt of het effect tussen de subgroepen verschilt. De p-waarden van die toetsen zijn "
        "gecorrigeerd voor het aantal toetsen binnen de familie van subgroeptoetsen."
    ),
    "subgroups.caution": (
        "Een effect dat in de ene subgroep wel en in de andere niet aan te tonen is, is geen "
        "bewijs dat het effect verschilt: alleen de interactietoets beantwoordt die vraag. "
        "Subgroepen zijn kleiner dan het hele experiment, dus de intervallen zijn breder."
    ),
    "subgroups.exploratory_note": (
        "Subgroepen die als verkennend zijn aangemerkt, dienen om hypothesen te vormen, niet om "
        "ze te bevestigen."
    ),
    "subgroups.ri_note": (
        "p (RI): randomisatieversie van de interactietoets: het gemeenschappelijke effect wordt "
        "vastgehouden en de toewijzing binnen de strata opnieuw getrokken."
    ),
    "margins.none": "voor geen enkele uitkomst is een marge vastgelegd in trial.toml.",
    "margins.caption": "Toetsen tegen de vooraf vastgelegde marge (alle locaties samen)",
    "margins.outcome": "Uitkomst",
    "margins.test": "Toets",
    "margins.margin": "Marge",
    "margins.conclusion": "Conclusie",
    "margins.test_equivalence": "gelijkwaardigheid (twee eenzijdige toetsen)",
    "margins.test_non-inferiority_higher": "niet-inferioriteit (hoger is beter)",
    "margins.test_non-inferiority_lower": "niet-inferioriteit (lager is beter)",
    "margins.ruled_out": "uitgesloten",
    "margins.not_ruled_out": "niet uit te sluiten",
    "margins.intro": (
        "‘Geen effect aangetoond’ sluit effecten niet uit. Voor uitkomsten met een "
        "marge (het kleinste effect dat ertoe doet) toetsen we daarom of effecten groter dan die "
        "marge uit te sluiten zijn, met het {level}-interval dat bij twee eenzijdige toetsen hoort."
    ),
    "margins.equivalence_yes": (
        "{arm}: effecten groter dan {margin} (in beide richtingen) zijn uit te sluiten "
        "({level}-interval {low} tot {high}; p = {p})."
    ),
    "margins.equivalence_no": (
        "{arm}: effecten groter dan {margin} zijn niet uit te sluiten "
        "({level}-interval {low} tot {high})."
    ),
    "margins.harm_higher_yes": (
        "{arm}: een daling van meer dan {margin} is uit te sluiten ({level}-interval {low} tot "
        "{high}; p = {p})."
    ),
    "margins.harm_higher_no": (
        "{arm}: een daling van meer dan {margin} is niet uit te sluiten ({level}-interval {low} "
        "tot {high})."
    ),
    "margins.harm_lower_yes": (
        "{arm}: een stijging van meer dan {margin} is uit te sluiten ({level}-interval {low} tot "
        "{high}; p = {p})."
    ),
    "margins.harm_lower_no": (
        "{arm}: een stijging van meer dan {margin} is niet uit te sluiten ({level}-interval {low} "
        "tot {high})."
    ),
    "sites.random_effects": "Random effects (alle locaties)",
    "sites.pi_short": "voorspellingsinterval",
    "sites.pooled_intro": (
        "De brede ruit is de random-effectsschatting over de locaties: het gemiddelde effect als de "
        "locaties van elkaar mogen verschillen. De stippellijn is het {level}-voorspellingsinterval: "
        "waar het effect op een nieuwe, vergelijkbare locatie kan liggen."
    ),
    "sites.pooled_caption": "Random-effectsschatting over de locaties op {outcome}",
    "sites.pi": "{level}-voorspellingsinterval",
    "sites.tau": "tau",
    "sites.i2": "I²",
    "sites.q_p": "p (Q)",
    "sites.n_sites": "Locaties",
    "sites.pooled_note": (
        "Tussen-locatievariantie tau² geschat met {method}; interval {se}. tau: standaardafwijking "
        "van het effect tussen locaties; I²: deel van de variatie door verschillen tussen locaties; "
        "p (Q): toets van Cochran op verschillen tussen locaties. Met weinig locaties zijn tau² en "
        "I² onzeker."
    ),
    "sites.method_reml": "REML",
    "sites.method_dl": "DerSimonian-Laird",
    "sites.method_pm": "Paule-Mandel",
    "sites.se_knha-adhoc": (
        "volgens Knapp-Hartung met de ad-hoccorrectie (nooit smaller dan het gewone interval)"
    ),
    "sites.se_knha": "volgens Knapp-Hartung",
    "sites.se_z": "volgens de normale verdeling",
    # -- trustexp pool (issue 12) --------------------------------------------
    "pool.title": "{n} experimenten samen",
    "pool.kicker": "Samengevoegde analyse van gerandomiseerde experimenten",
    "pool.section_trials": "Experimenten en wat is samengevoegd",
    "pool.section_effects": "Effecten over de experimenten",
    "pool.section_methods": "Methode",
    "pool.intro": (
        "Dit rapport voegt {n} experimenten samen. Groepen zijn gekoppeld op hun soort, uitkomsten "
        "op naam, of op maatstaf en periode, of zoals pool.toml het vastlegt. Elk effect is eerst "
        "per experiment geschat met het eigen analyseplan; de ruit is de random-effectsschatting "
        "met het {level}-interval, de stippellijn het voorspellingsinterval voor een nieuw "
        "experiment. Met weinig experimenten zijn die intervallen terecht breed."
    ),
    "pool.matched_caption": "Wat is gekoppeld",
    "pool.left_caption": "Wat is weggelaten, en waarom",
    "pool.what": "Wat",
    "pool.pooled_as": "Samengevoegd als",
    "pool.trial": "Experiment",
    "pool.item": "Naam in het experiment",
    "pool.reason": "Reden",
    "pool.outcome": "uitkomst",
    "pool.arm": "groep",
    "pool.how_plan": "volgens pool.toml",
    "pool.how_id": "zelfde naam",
    "pool.how_measure": "zelfde maatstaf en periode",
    "pool.left_arm_alone": "deze soort groep komt maar in één experiment voor",
    "pool.left_arm_ambiguous": "het experiment heeft meer groepen van deze soort",
    "pool.left_outcome_alone": "deze uitkomst komt maar in één experiment voor",
    "pool.left_outcome_types": "de uitkomst heeft niet in elk experiment hetzelfde type",
    "pool.left_unknown_trial": "pool.toml noemt een experiment dat niet is opgegeven",
    "pool.left_unknown_outcome": "pool.toml noemt een uitkomst die het experiment niet heeft",
    "pool.kind_exemption": "Ontheffing",
    "pool.kind_extra_earnings": "Extra vrijlating bijverdiensten",
    "pool.kind_intensive_guidance": "Intensieve begeleiding",
    "pool.kind_combined": "Combinatie",
    "pool.kind_other": "Andere interventie",
    "pool.estimate_of": "Schatting",
    "pool.weight": "Gewicht",
    "pool.random_effects": "Random effects (twee stappen)",
    "pool.one_stage": "Eén stap (alle personen samen)",
    "pool.table_caption": "Effecten per experiment en samen op {outcome}",
    "pool.figure": "Effecten per experiment en samen op {outcome} met {level}-intervallen",
    "pool.heterogeneity": (
        "{arm}: tau = {tau} (standaardafwijking van het effect tussen experimenten), I² = {i2}%, "
        "p (Q) = {p}."
    ),
    "pool.methods": (
        "Twee stappen: de schatting van elk experiment (zijn eigen model en standaardfouten) "
        "samengevoegd met een random-effectsmodel; tussen-experimentvariantie geschat met {method}, "
        "interval {se}. Eén stap: één regressie over alle personen van de groep en de "
        "controlegroep, met vaste effecten voor experiment × stratum, zonder covariaten, met "
        "HC2-standaardfouten (CR2 bij clusters). Aantallen kleiner dan de drempel en alles waaruit "
        "ze te berekenen zijn, worden niet getoond."
    ),
    # -- what this trial could detect; registration and the locked plan ------
    "section.detectable": "Wat dit experiment kon aantonen",
    "detectable.none": "er zijn geen effecten geschat",
    "detectable.intro": "Het kleinste effect dat dit experiment met {power}% kans had kunnen aantonen (het minimaal aantoonbare effect, MDE), per uitkomst en groep, naast het geschatte effect. De toets is gecorrigeerd voor meervoudig toetsen binnen de familie van de uitkomst ({method}): het niveau is alpha gedeeld door het aantal toetsen van de familie.",
    "detectable.caption": "Minimaal aantoonbaar effect en geschat effect (alle locaties)",
    "detectable.caption_site": "Minimaal aantoonbaar effect en geschat effect: {site}",
    "detectable.n_arm": "Geanalyseerd in de groep",
    "detectable.level": "Toetsniveau",
    "detectable.mde": "MDE (formule)",
    "detectable.mde_observed": "MDE (uit de standaardfout)",
    "detectable.note": "MDE (formule): uit de groepsgroottes en de spreiding in de controlegroep. MDE (uit de standaardfout): uit de standaardfout van de schatting zelf, met covariaten en strata. Een geschat effect kleiner dan de MDE kon dit experiment niet betrouwbaar van nul onderscheiden: 'geen effect aangetoond' betekent dan niet 'geen effect'.",
    "detectable.site": "Locatie",
    "detectable.n_control": "Controlegroep",
    "detectable.power_sim": "Gesimuleerd onderscheidend vermogen",
    "detectable.bias": "Vertekening",
    "detectable.rmse": "RMSE",
    "detectable.coverage": "Dekking van het interval",
    "detectable.type_s": "Type-S-fout",
    "detectable.type_m": "Type-M-factor",
    "detectable.page_intro": "Ontwerp van {trial}: groepsgroottes uit {source}; onderscheidend vermogen {power}%, alpha {alpha} binnen elke familie van uitkomsten. De simulatie herhaalt het experiment {simulations} keer met de loting van het ontwerp en de eigen schatter van trustexp, met als effect de MDE (tenzij anders opgegeven).",
    "detectable.source_planned": "het plan ([design] n_per_arm)",
    "detectable.source_randomised": "de gelote deelnemers",
    "detectable.source_observed": "de gegevens",
    "section.registration": "Registratie en vooraf vastgelegd plan",
    "registration.registry": "Geregistreerd als {registry} op {date}.",
    "registration.no_registry": "Het experiment vermeldt geen registratie (trial.toml [trial] registry).",
    "registration.authors": "Auteurs: {authors}.",
    "registration.locked": "Het analyseplan is vastgelegd op {date} (plan.lock, SHA-256 {sha}\u2026).",
    "registration.unchanged": "Het plan is sindsdien niet gewijzigd.",
    "registration.changed": "Het plan is sindsdien gewijzigd; de wijzigingen staan hieronder.",
    "registration.not_locked": "Het analyseplan is niet vastgelegd (trustexp lock): welke analyses vooraf gepland waren, is niet na te gaan.",
    "registration.caption": "Afwijkingen van het vastgelegde plan",
    "registration.kind": "Wijziging",
    "registration.item": "Onderdeel",
    "registration.was": "Vastgelegd",
    "registration.now": "Nu",
    "registration.note": "Effecten van uitkomsten die zijn toegevoegd of gewijzigd, zijn in de effecttabellen gemarkeerd als niet vooraf vastgelegd.",
    "registration.not_prespecified": "niet vooraf vastgelegd",
    "deviation.outcome_added": "Uitkomst toegevoegd",
    "deviation.outcome_removed": "Uitkomst verwijderd",
    "deviation.window_changed": "Periode gewijzigd",
    "deviation.family_changed": "Familie gewijzigd",
    "deviation.outcome_changed": "Definitie van uitkomst gewijzigd",
    "deviation.covariates_changed": "Covariaten gewijzigd",
    "deviation.analysis_changed": "Analyse gewijzigd",
    "deviation.randomisation_changed": "Randomisatie gewijzigd",
    "deviation.arms_changed": "Groepen gewijzigd",
    "deviation.scales_changed": "Schalen gewijzigd",
    "deviation.other_changed": "Overige wijziging",
}

EN: dict[str, str] = {
    # -- document ------------------------------------------------------------
    "doc.subtitle": "Evaluation report of a randomised experiment",
    "doc.generated": "Made with trustexp {version}",
    "doc.generated_on": "Made with trustexp {version} on {date}",
    "doc.toc": "Contents",
    "doc.not_applicable": "Not applicable: {reason}",
    "doc.not_estimable": "not estimable",
    "doc.not_estimable_note": "Not estimable: {items}.",
    "reason.unobserved": "no one in the sample has this outcome observed",
    "reason.unobserved_control": "no one in the control arm has this outcome observed",
    "reason.unobserved_treated": "no one in a treatment arm has this outcome observed",
    "reason.unobserved_arm": "no one in this arm has this outcome observed",
    "reason.not_finite": "the outcome has values that are not finite numbers",
    "reason.too_large": "the outcome has values too large to compute with",
    "reason.constant": "the outcome is the same for everyone in the sample",
    "reason.covariate": "a covariate has values that are too large or not finite",
    "reason.zero_se": "the standard error is zero or not finite (the outcome is fitted exactly)",
    "reason.collinear": "the model's columns are collinear up to rounding",
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
    "summary.no_variance": (
        "{arm}: {estimate}, but without a confidence interval or p-value: this arm's "
        "variance cannot be estimated (too few people for its parameters, or too few "
        "clusters); left out of the multiple-testing correction."
    ),
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
    "summary.after_correction": "after correction for multiple testing",
    "summary.without_correction": "without correction for multiple testing",
    "summary.standardised": ", that is {d} standard deviations of the control group",
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
        "The groups were comparable at baseline on the measured characteristics: none of the "
        "{m} joint tests (each arm and site, randomisation test, Holm-corrected for {m} tests) "
        "points to a difference."
    ),
    "summary.imbalance": (
        "Note: after Holm correction for {m} joint tests of balance at baseline, the test "
        "points to a difference in {where}; see the section on balance."
    ),
    "summary.attrition": (
        "Note: survey response differs between the groups in {where} (test of differential "
        "attrition, Holm-corrected for {m} tests); see the section on attrition."
    ),
    "summary.where_arm": "{site}, {arm} (adjusted p: {p})",
    "balance.not_testable": "not testable",
    "summary.where_wave": "{site}, wave {wave} (adjusted p: {p})",
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
    "balance.missing_note": (
        "Missing values at baseline: {items}. In the models a missing value is replaced by "
        "the mean, with an indicator of missingness (for a categorical characteristic: the "
        "indicator only)."
    ),
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
    "attrition.lee_ci": "{level} interval (Imbens-Manski)",
    "attrition.trimming": "Share trimmed",
    "attrition.trimmed_group": "Group trimmed",
    "attrition.none": "there are no survey data.",
    "attrition.baseline": "0 (baseline)",
    "attrition.wave_title": "Wave {wave}",
    "attrition.trimmed.treated": "treatment group",
    "attrition.trimmed.control": "control group",
    "attrition.trimmed.mixed": "differs by block",
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
    "methods.se_declared": (
        "; the plan named {declared}, and because clusters ({cluster}) were randomised the "
        "standard errors are cluster-robust"
    ),
    "methods.df.HC": "n − k degrees of freedom (observations minus parameters)",
    "methods.df.CR2": "Bell-McCaffrey degrees of freedom",
    "methods.df.CR": "G − 1 degrees of freedom (G = number of clusters)",
    "methods.estimand": (
        "What the intervals cover: the average effect of each arm in the population the "
        "participants come from (robust standard errors; for the participants themselves "
        "they are conservative). The randomisation-inference interval (primary outcomes) "
        "covers an effect that is the same for everyone; the complier effect is the effect "
        "on those who take up the offer because it was made; Lee bounds concern those who "
        "would respond in either arm. An arm whose variance cannot be estimated (for "
        "example no more people than parameters) gets no interval and is left out of the "
        "multiple-testing correction."
    ),
    "methods.estimand_lin": (
        "What the intervals cover: with Lin adjustment, the average effect in the "
        "participants themselves (the sample average effect); for the population average "
        "effect they are too narrow when effects vary with the covariates. The "
        "randomisation-inference interval (primary outcomes) covers an effect that is the "
        "same for everyone; the complier effect is the effect on those who take up the offer "
        "because it was made; Lee bounds concern those who would respond in either arm. An "
        "arm whose variance cannot be estimated gets no interval and is left out of the "
        "multiple-testing correction."
    ),
    "methods.checks": (
        "The tests of balance at baseline and of differential attrition are randomisation "
        "tests: the assignment is redrawn as the design drew it (within blocks, with fixed "
        "arm sizes, whole clusters). A response that is (nearly) the same for everyone is "
        "not testable. Lee bounds are trimmed within the blocks, with an Imbens-Manski "
        "confidence interval."
    ),
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
    # -- paths and survival --------------------------------------------------
    "section.paths": "Effects by month: when they appear and whether they last",
    "section.survival": "Time to exit to work",
    "paths.none": "there are no monthly data to estimate effects by month.",
    "paths.intro": (
        "The effect of each arm against control in each month since randomisation, with the "
        "model of the main estimate. The dark area is the pointwise {level} interval, the light "
        "area the {level} band that holds for all months at once: only where the band does not "
        "touch the zero line is an effect in that month shown, allowing for the number of "
        "months. Shaded grey: the months of the trial; after them the months after it ended."
    ),
    "paths.method": (
        "Standard errors as in the main analysis. The band uses the critical value of the "
        "maximum absolute t statistic over the months (sup-t), from draws of the estimated "
        "correlation between months (a Gaussian multiplier bootstrap); the largest critical "
        "value is {critical}."
    ),
    "paths.series.on_benefit": "On social assistance",
    "paths.series.employed": "In paid work",
    "paths.series.work_off_benefit": "In work, off benefit",
    "paths.series.work_on_benefit": "In work while on benefit",
    "paths.series.earnings": "Earnings in the month",
    "paths.hours": "(at least {hours} hours a month)",
    "paths.desc_item": "{arm}: band away from zero in month {months}",
    "paths.desc_none": "none",
    "paths.unit_euro": "Effect (euro)",
    "paths.unit_pp": "Effect (percentage points)",
    "paths.in_trial": "during the trial",
    "paths.after_trial": "after the trial",
    "paths.estimate": "estimate",
    "paths.pointwise": "pointwise {level} interval",
    "paths.band": "{level} band over all months",
    "paths.figure": "{series}: effect by month since randomisation, with {level} intervals and band",
    "paths.desc": "Effect on {series} by month, by arm; {items}.",
    "survival.none": "there is no time to exit outcome (time_to_exit).",
    "survival.intro": (
        "Time to the first month off benefit and in work. A person who leaves the data (for "
        "example by moving away) counts until the last month without a gap and not as an exit "
        "(censoring). The table gives the difference in mean time to exit within the window "
        "(restricted to its end; negative is faster), the hazard ratio (above 1 is faster) and "
        "the log-rank test within the randomisation strata."
    ),
    "survival.method": (
        "Kaplan-Meier with Greenwood standard errors; log-rank test stratified by the "
        "randomisation strata; Cox model stratified by the strata, with Efron's method for tied "
        "times and robust standard errors (clustered where a cluster is declared). A number "
        "that rests on fewer than min_cell people is not shown."
    ),
    "survival.rmst_arm": "Mean time, arm (months)",
    "survival.rmst_control": "Mean time, control (months)",
    "survival.difference": "Difference (months)",
    "survival.ci": "{level} interval",
    "survival.hr": "Hazard ratio",
    "survival.p_cox": "p (Cox)",
    "survival.p_logrank": "p (log-rank)",
    "survival.events": "Exits (arm)",
    "survival.events_control": "Exits (control)",
    "survival.caption": "{outcome}: difference in mean time to exit and hazard ratio",
    "survival.month": "Month since the window began",
    "survival.share": "Not yet exited (%)",
    "survival.at_risk": "Number at risk",
    "survival.figure": "{outcome}: Kaplan-Meier by arm, with {level} intervals",
    "survival.desc": "Kaplan-Meier curves by arm; not yet exited at the end: {items}.",
    # -- subgroups, margins, pooling (issue 12) ------------------------------
    "section.subgroups": "For whom: effects in subgroups",
    "section.margins": "What can be ruled out: tests against a margin",
    "subgroups.none": "no subgroups are declared in trial.toml.",
    "subgroups.predeclared": "pre-declared",
    "subgroups.exploratory": "exploratory",
    "subgroups.group": "Subgroup",
    "subgroups.p_adjusted": "p (adjusted)",
    "subgroups.caption": "Effects by subgroup: {subgroup} ({status})",
    "subgroups.outcome_arm": "Outcome and group",
    "subgroups.difference": "Difference between the subgroups (interaction)",
    "subgroups.interaction_f": "Test of a difference between the subgroups (F = {f})",
    "subgroups.intro": (
        "The subgroups were declared in advance in the analysis plan (trial.toml). Within each "
        "subgroup the effect is estimated with the same model as for all participants; the "
        "interaction test says whether the effect differs between the subgroups. The p-values of "
        "those tests are adjusted for the number of tests in the family of subgroup tests."
    ),
    "subgroups.caution": (
        "An effect that can be shown in one subgroup and not in another is no evidence that the "
        "effect differs: only the interaction test answers that question. Subgroups are smaller "
        "than the whole experiment, so their intervals are wider."
    ),
    "subgroups.exploratory_note": (
        "Subgroups marked as exploratory serve to form hypotheses, not to confirm them."
    ),
    "subgroups.ri_note": (
        "p (RI): randomisation version of the interaction test: the common effect is held fixed "
        "and the assignment is re-drawn within strata."
    ),
    "margins.none": "no outcome declares a margin in trial.toml.",
    "margins.caption": "Tests against the pre-declared margin (all sites together)",
    "margins.outcome": "Outcome",
    "margins.test": "Test",
    "margins.margin": "Margin",
    "margins.conclusion": "Conclusion",
    "margins.test_equivalence": "equivalence (two one-sided tests)",
    "margins.test_non-inferiority_higher": "non-inferiority (higher is better)",
    "margins.test_non-inferiority_lower": "non-inferiority (lower is better)",
    "margins.ruled_out": "ruled out",
    "margins.not_ruled_out": "cannot be ruled out",
    "margins.intro": (
        "'No effect could be shown' does not rule effects out. For outcomes with a "
        "margin (the smallest effect that matters) we therefore test whether effects larger than "
        "the margin can be ruled out, with the {level} interval that goes with two one-sided tests."
    ),
    "margins.equivalence_yes": (
        "{arm}: effects larger than {margin} (either way) can be ruled out ({level} interval "
        "{low} to {high}; p = {p})."
    ),
    "margins.equivalence_no": (
        "{arm}: effects larger than {margin} cannot be ruled out ({level} interval {low} to {high})."
    ),
    "margins.harm_higher_yes": (
        "{arm}: a decrease of more than {margin} can be ruled out ({level} interval {low} to "
        "{high}; p = {p})."
    ),
    "margins.harm_higher_no": (
        "{arm}: a decrease of more than {margin} cannot be ruled out ({level} interval {low} to "
        "{high})."
    ),
    "margins.harm_lower_yes": (
        "{arm}: an increase of more than {margin} can be ruled out ({level} interval {low} to "
        "{high}; p = {p})."
    ),
    "margins.harm_lower_no": (
        "{arm}: an increase of more than {margin} cannot be ruled out ({level} interval {low} to "
        "{high})."
    ),
    "sites.random_effects": "Random effects (all sites)",
    "sites.pi_short": "prediction interval",
    "sites.pooled_intro": (
        "The wide diamond is the random-effects estimate over the sites: the average effect when "
        "sites may differ. The dashed line is the {level} prediction interval: where the effect at "
        "a new, similar site may lie."
    ),
    "sites.pooled_caption": "Random-effects estimate over the sites on {outcome}",
    "sites.pi": "{level} prediction interval",
    "sites.tau": "tau",
    "sites.i2": "I²",
    "sites.q_p": "p (Q)",
    "sites.n_sites": "Sites",
    "sites.pooled_note": (
        "Between-site variance tau² estimated by {method}; interval {se}. tau: standard deviation "
        "of the effect between sites; I²: share of the variation due to differences between sites; "
        "p (Q): Cochran's test of differences between sites. With few sites tau² and I² are "
        "uncertain."
    ),
    "sites.method_reml": "REML",
    "sites.method_dl": "DerSimonian-Laird",
    "sites.method_pm": "Paule-Mandel",
    "sites.se_knha-adhoc": (
        "by Knapp-Hartung with the ad hoc correction (never narrower than the usual interval)"
    ),
    "sites.se_knha": "by Knapp-Hartung",
    "sites.se_z": "by the normal distribution",
    # -- trustexp pool (issue 12) --------------------------------------------
    "pool.title": "{n} experiments together",
    "pool.kicker": "Pooled analysis of randomised experiments",
    "pool.section_trials": "Experiments and what was pooled",
    "pool.section_effects": "Effects across the experiments",
    "pool.section_methods": "Methods",
    "pool.intro": (
        "This report pools {n} experiments. Groups are matched by their kind, outcomes by name, or "
        "by measure and window, or as pool.toml declares. Each effect is first estimated within "
        "each experiment with its own analysis plan; the diamond is the random-effects estimate "
        "with its {level} interval, the dashed line the prediction interval for a new experiment. "
        "With few experiments these intervals are rightly wide."
    ),
    "pool.matched_caption": "What was matched",
    "pool.left_caption": "What was left out, and why",
    "pool.what": "What",
    "pool.pooled_as": "Pooled as",
    "pool.trial": "Experiment",
    "pool.item": "Name in the experiment",
    "pool.reason": "Reason",
    "pool.outcome": "outcome",
    "pool.arm": "group",
    "pool.how_plan": "as pool.toml declares",
    "pool.how_id": "same name",
    "pool.how_measure": "same measure and window",
    "pool.left_arm_alone": "only one experiment has a group of this kind",
    "pool.left_arm_ambiguous": "the experiment has several groups of this kind",
    "pool.left_outcome_alone": "only one experiment has this outcome",
    "pool.left_outcome_types": "the outcome does not have the same type in every experiment",
    "pool.left_unknown_trial": "pool.toml names an experiment that was not given",
    "pool.left_unknown_outcome": "pool.toml names an outcome that the experiment does not have",
    "pool.kind_exemption": "Exemption",
    "pool.kind_extra_earnings": "Extra earnings disregard",
    "pool.kind_intensive_guidance": "Intensive guidance",
    "pool.kind_combined": "Combined",
    "pool.kind_other": "Other intervention",
    "pool.estimate_of": "Estimate",
    "pool.weight": "Weight",
    "pool.random_effects": "Random effects (two-stage)",
    "pool.one_stage": "One-stage (all persons together)",
    "pool.table_caption": "Effects by experiment and pooled on {outcome}",
    "pool.figure": "Effects by experiment and pooled on {outcome} with {level} intervals",
    "pool.heterogeneity": (
        "{arm}: tau = {tau} (standard deviation of the effect between experiments), I² = {i2}%, "
        "p (Q) = {p}."
    ),
    "pool.methods": (
        "Two-stage: each experiment's estimate (its own model and standard errors) pooled by a "
        "random-effects model; between-experiment variance estimated by {method}, interval {se}. "
        "One-stage: one regression over all persons of the group and the control group, with fixed "
        "effects for experiment × stratum, no covariates, HC2 standard errors (CR2 with clusters). "
        "Counts below the threshold, and everything they could be worked out from, are not shown."
    ),
    # -- what this trial could detect; registration and the locked plan ------
    "section.detectable": "What this trial could detect",
    "detectable.none": "no effects were estimated",
    "detectable.intro": "The smallest effect that this trial had a {power}% chance to detect (the minimum detectable effect, MDE), per outcome and arm, next to the estimated effect. The test is corrected for multiple testing within the outcome's family ({method}): its level is alpha divided by the family's number of tests.",
    "detectable.caption": "Minimum detectable and estimated effects (all sites)",
    "detectable.caption_site": "Minimum detectable and estimated effects: {site}",
    "detectable.n_arm": "Analysed in the arm",
    "detectable.level": "Test level",
    "detectable.mde": "MDE (formula)",
    "detectable.mde_observed": "MDE (from the standard error)",
    "detectable.note": "MDE (formula): from the group sizes and the control arm's spread. MDE (from the standard error): from the estimate's own standard error, with covariates and strata. An estimated effect smaller than the MDE could not be told apart from zero reliably by this trial: 'no effect could be shown' then does not mean 'no effect'.",
    "detectable.site": "Site",
    "detectable.n_control": "Control arm",
    "detectable.power_sim": "Simulated power",
    "detectable.bias": "Bias",
    "detectable.rmse": "RMSE",
    "detectable.coverage": "Interval coverage",
    "detectable.type_s": "Type-S error",
    "detectable.type_m": "Type-M factor",
    "detectable.page_intro": "Design of {trial}: group sizes from {source}; power {power}%, alpha {alpha} within each family of outcomes. The simulation repeats the trial {simulations} times with the design's randomisation and trustexp's own estimator, with the MDE as the effect (unless another was given).",
    "detectable.source_planned": "the plan ([design] n_per_arm)",
    "detectable.source_randomised": "the randomised participants",
    "detectable.source_observed": "the data",
    "section.registration": "Registration and the pre-specified plan",
    "registration.registry": "Registered as {registry} on {date}.",
    "registration.no_registry": "The trial names no registration (trial.toml [trial] registry).",
    "registration.authors": "Authors: {authors}.",
    "registration.locked": "The analysis plan was locked on {date} (plan.lock, SHA-256 {sha}\u2026).",
    "registration.unchanged": "The plan has not changed since.",
    "registration.changed": "The plan has changed since; the changes are listed below.",
    "registration.not_locked": "The analysis plan is not locked (trustexp lock): which analyses were planned in advance cannot be checked.",
    "registration.caption": "Deviations from the locked plan",
    "registration.kind": "Change",
    "registration.item": "Item",
    "registration.was": "Locked",
    "registration.now": "Now",
    "registration.note": "Effects of outcomes that were added or changed are marked as not pre-specified in the effects tables.",
    "registration.not_prespecified": "not pre-specified",
    "deviation.outcome_added": "Outcome added",
    "deviation.outcome_removed": "Outcome removed",
    "deviation.window_changed": "Window changed",
    "deviation.family_changed": "Family changed",
    "deviation.outcome_changed": "Outcome definition changed",
    "deviation.covariates_changed": "Covariates changed",
    "deviation.analysis_changed": "Analysis changed",
    "deviation.randomisation_changed": "Randomisation changed",
    "deviation.arms_changed": "Arms changed",
    "deviation.scales_changed": "Scales changed",
    "deviation.other_changed": "Other change",
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
