"""Word pools the generator draws from: unicode, padded, apostrophes, right-to-left
and CJK text on purpose, since real customer data has all of them."""

from __future__ import annotations

FIRST = (
    "Ann", "José", "Zoë", "Łukasz", "Søren", "Nguyễn Văn", "李", "Ægir", "Siobhán", "Renée",
    "محمد", "Ōta", "Jürgen", "Ana-María", "Ng", "Bob", "Priya", "Zoe\u0308", "D'Arcy",
    "Ελένη", "Олег", "Chloé", "Kwame", "Yuki", "Mary Jo", "  Pat ", "Åsa", "Tomás",
)
LAST = (
    "O'Brien", "Müller-Lüdenscheidt", "García Márquez", "Smith", "van der Berg", "Ng",
    "Nakamura", "Brontë", "Øster", "Kowalczyk", "Dubois", "Okafor", "Schröder",
    "MacDonald", "Smith ", "Pérez", "Çelik", "Đorđević", "Ó Súilleabháin", "Wu", "Jones",
)
COMPANIES = (
    "Acme HVAC & Plumbing", "Café Ünïcode GmbH", "北京 Facilities", "Smith & Sons, LLC",
    "🔧 Fix-It Property Mgmt", "Société Générale des Eaux", "Blue Ridge Apartments",
    "O'Malley's Pub", "Northwind Traders", "Contoso Dental Group",
)
STREETS = ("Main St", "Elm Street", "Rue de la Paix", "Königstraße", "Oak Ave", "1st Ave NE")
CITIES = (
    ("Springfield", "IL", "US"), ("Montréal", "QC", "CA"), ("Austin", "TX", "US"),
    ("München", "BY", "DE"), ("Portland", "OR", "US"), ("São Paulo", "SP", "BR"),
)
SKILLS = ("HVAC", "Electrical", "Plumbing", "Refrigeration", "Gas Safe", "Backflow", "Roofing")
SERVICE_TYPES = ("Maintenance", "Repair", "Installation", "Inspection", "Emergency call-out")
JOB_TITLES = (
    "No heat — furnace not igniting", "Replace water heater (50 gal)", "Annual AC tune-up",
    "Leaking valve under sink", "Install EV charger", "Breaker trips at night",
    "Quarterly backflow test", "Walk-in cooler alarm", "Roof-top unit inspection",
)
NOTE_LINES = (
    "Customer reports intermittent noise.", "Dog in yard — call before entering.",
    "Replaced capacitor 45/5 µF.", "Parts on back-order; ETA 3–5 days.",
    "Température élevée dans la salle des machines.", "Gate code changed, see access notes.",
    "客户要求下午到达。", "Left voicemail ☎ twice.", "Unit is 18 years old; recommend replacement.",
)
