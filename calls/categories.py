"""The public categories that a force's own incident types map to (through the editable
IncidentTypeMapping table), and the call statuses with their order in a call's lifecycle."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PublicCategory:
    slug: str
    label: str
    # Withheld from everything public whatever a mapping says (see docs/live-calls.md).
    suppressed: bool = False


PUBLIC_CATEGORIES: tuple[PublicCategory, ...] = (
    PublicCategory("anti-social-behaviour", "Anti-social behaviour"),
    PublicCategory("burglary", "Burglary"),
    PublicCategory("robbery", "Robbery"),
    PublicCategory("theft", "Theft"),
    PublicCategory("vehicle-crime", "Vehicle crime"),
    PublicCategory("violence", "Violence or threats"),
    PublicCategory("criminal-damage", "Criminal damage"),
    PublicCategory("drugs", "Drugs"),
    PublicCategory("public-order", "Public order"),
    PublicCategory("road-traffic", "Road traffic"),
    PublicCategory("suspicious-activity", "Suspicious activity"),
    PublicCategory("alarm", "Alarm"),
    PublicCategory("animal", "Animal"),
    PublicCategory("property", "Lost or found property"),
    PublicCategory("assist-agency", "Assisting another agency"),
    PublicCategory("other", "Other incident"),
    PublicCategory("domestic-abuse", "Domestic abuse", suppressed=True),
    PublicCategory("sexual-offences", "Sexual offences", suppressed=True),
    PublicCategory("concern-for-welfare", "Concern for welfare", suppressed=True),
    PublicCategory("missing-person", "Missing person", suppressed=True),
    PublicCategory("mental-health", "Mental health", suppressed=True),
    PublicCategory("sudden-death", "Sudden death", suppressed=True),
    PublicCategory("child-protection", "Child protection", suppressed=True),
)
BY_SLUG = {category.slug: category for category in PUBLIC_CATEGORIES}
CATEGORY_CHOICES = [(category.slug, category.label) for category in PUBLIC_CATEGORIES]
DEFAULT_SUPPRESSED = tuple(c.slug for c in PUBLIC_CATEGORIES if c.suppressed)

# Lifecycle: received → dispatched → en route → attended → resolved, or cancelled. The rank
# breaks ties between events stamped with the same time.
RECEIVED = "received"
DISPATCHED = "dispatched"
EN_ROUTE = "en_route"
ATTENDED = "attended"
RESOLVED = "resolved"
CANCELLED = "cancelled"
STATUS_RANK = {RECEIVED: 0, DISPATCHED: 1, EN_ROUTE: 2, ATTENDED: 3, RESOLVED: 4, CANCELLED: 4}
STATUS_LABELS = {
    RECEIVED: "Received",
    DISPATCHED: "Officers assigned",
    EN_ROUTE: "Officers en route",
    ATTENDED: "Officers attending",
    RESOLVED: "Resolved",
    CANCELLED: "Closed without attendance",
}
STATUS_CHOICES = list(STATUS_LABELS.items())
