"""The climate items reworded for a leader's view of their own team (nl and en).

An employee answers "In my team, I am seen as one of us"; their leader answers the same item
about the team: "In my team, everyone is seen as one of us". Each wording keeps the item's
id, response scale and reverse keying, so a leader's scale score and the team's scale score
are computed the same way and their difference (the gap) means something.

A scale is in the leader's questionnaire only when *every* one of its items has a wording
here and the survey has the instrument: a scale scored from a subset of its items would not
be comparable with the team's score. The scales are the team climate (belonging,
authenticity) and the leader's own behaviour as the team sees it (inclusive leadership),
the constructs an inclusive-leadership programme aims at.
"""

from __future__ import annotations

__all__ = ["LEADER_INSTRUMENTS", "LEADER_WORDING"]

#: Instruments whose scales a leader answers about their team, in questionnaire order.
LEADER_INSTRUMENTS = ("belonging", "authenticity", "inclusive_leadership")

#: Item id -> text per language, written for the leader of the team.
LEADER_WORDING: dict[str, dict[str, str]] = {
    # belonging: membership
    "bel_mem_1": {
        "nl": "In mijn team wordt iedereen gezien als een van ons.",
        "en": "In my team, everyone is seen as one of us.",
    },
    "bel_mem_2": {
        "nl": "Mijn team betrekt iedereen bij wat er speelt.",
        "en": "My team includes everyone in what is going on.",
    },
    "bel_mem_3": {
        "nl": "Als mijn team iets samen doet, hoort iedereen er vanzelf bij.",
        "en": "When my team does something together, everyone is naturally part of it.",
    },
    "bel_mem_4": {
        "nl": "In mijn team voelen sommige mensen zich soms een buitenstaander.",
        "en": "In my team, some people sometimes feel like outsiders.",
    },
    # belonging: affection
    "bel_aff_1": {
        "nl": "Mijn team is blij met iedereen die erbij hoort.",
        "en": "My team is glad to have each of its members.",
    },
    "bel_aff_2": {
        "nl": "In mijn team vragen mensen elkaar oprecht hoe het gaat.",
        "en": "In my team, people sincerely ask each other how they are doing.",
    },
    "bel_aff_3": {
        "nl": "Als het even minder goed gaat met iemand, merkt mijn team dat op.",
        "en": "When someone is having a hard time, my team notices.",
    },
    "bel_aff_4": {
        "nl": "De mensen in mijn team hebben een warme band met elkaar.",
        "en": "The people in my team have a warm bond with each other.",
    },
    # authenticity: room
    "aut_room_1": {
        "nl": "In mijn team kunnen mensen laten zien wie ze echt zijn.",
        "en": "In my team, people can show who they really are.",
    },
    "aut_room_2": {
        "nl": "In mijn team kunnen mensen over hun leven buiten het werk vertellen, als ze dat "
        "willen.",
        "en": "In my team, people can talk about their life outside work if they want to.",
    },
    "aut_room_3": {
        "nl": "Mijn team accepteert hoe iemand praat, eruitziet en zich kleedt.",
        "en": "My team accepts the way each person talks, looks and dresses.",
    },
    "aut_room_4": {
        "nl": "In mijn team houden mensen delen van zichzelf liever verborgen.",
        "en": "In my team, people prefer to keep parts of themselves hidden.",
    },
    # authenticity: value
    "aut_val_1": {
        "nl": "Mijn team waardeert wat iemand anders maakt dan de anderen.",
        "en": "My team values what makes each person different from the others.",
    },
    "aut_val_2": {
        "nl": "Mijn team vindt dat ieders achtergrond en ervaring het team sterker maken.",
        "en": "My team feels that each person's background and experience make the team stronger.",
    },
    "aut_val_3": {
        "nl": "In mijn team wordt iedereen gewaardeerd om wie hij of zij is als persoon.",
        "en": "In my team, everyone is valued for who they are as a person.",
    },
    "aut_val_4": {
        "nl": "Mijn team vindt het een plus als iemand dingen anders ziet.",
        "en": "My team sees it as a plus when someone sees things differently.",
    },
    # inclusive leadership: notices
    "il_not_1": {
        "nl": "Ik merk het op als iemand in mijn team wordt buitengesloten.",
        "en": "I notice when someone in my team is left out.",
    },
    "il_not_2": {
        "nl": "Ik let op wie in mijn team weinig aan het woord komt.",
        "en": "I pay attention to who in my team rarely gets a say.",
    },
    "il_not_3": {
        "nl": "Ik weet hoe de mensen in mijn team met elkaar omgaan.",
        "en": "I know how the people in my team treat each other.",
    },
    # inclusive leadership: intervenes
    "il_int_1": {
        "nl": "Ik grijp in als iemand wordt buitengesloten.",
        "en": "I step in when someone is being left out.",
    },
    "il_int_2": {
        "nl": "Ik spreek mensen aan op kwetsende grappen of opmerkingen.",
        "en": "I address people who make hurtful jokes or remarks.",
    },
    "il_int_3": {
        "nl": "Ik kom op voor iemand die oneerlijk wordt behandeld.",
        "en": "I stand up for someone who is treated unfairly.",
    },
    # inclusive leadership: invites views
    "il_inv_1": {
        "nl": "Ik vraag alle teamleden wat zij ervan vinden.",
        "en": "I ask all team members what they think.",
    },
    "il_inv_2": {
        "nl": "Ik wil ook horen wat mensen vinden die er anders over denken.",
        "en": "I also want to hear from people who see things differently.",
    },
    "il_inv_3": {
        "nl": "Ik zorg dat ook stillere teamleden hun zegje kunnen doen.",
        "en": "I make sure that quieter team members also get their say.",
    },
    # inclusive leadership: fairness
    "il_fair_1": {
        "nl": "Ik behandel iedereen in mijn team eerlijk.",
        "en": "I treat everyone in my team fairly.",
    },
    "il_fair_2": {
        "nl": "Ik verdeel leuke en minder leuke taken eerlijk.",
        "en": "I share out pleasant and less pleasant tasks fairly.",
    },
    "il_fair_3": {
        "nl": "Ik geef iedereen dezelfde kansen, welke achtergrond iemand ook heeft.",
        "en": "I give everyone the same chances, whatever their background.",
    },
    "il_fair_4": {
        "nl": "Mijn teamleden vinden dat ik lievelingetjes heb in het team.",
        "en": "My team members feel that I have favourites in the team.",
    },
    # inclusive leadership: room to be
    "il_room_1": {
        "nl": "Ik geef de mensen in mijn team de ruimte om zichzelf te zijn op het werk.",
        "en": "I give the people in my team room to be themselves at work.",
    },
    "il_room_2": {
        "nl": "Ik toon interesse in mijn teamleden als persoon.",
        "en": "I take an interest in my team members as people.",
    },
    "il_room_3": {
        "nl": "Ik houd rekening met wat voor mijn teamleden belangrijk is, zoals geloof, gezin "
        "of gezondheid.",
        "en": "I take into account what matters to my team members, such as faith, family or "
        "health.",
    },
}
