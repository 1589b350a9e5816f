"""How pages name a customer's segment, in the reader's language (one query per page, not per row)."""

from django import template
from django.utils.translation import get_language

from leeway.customers.selectors import segment_name as name_for_segment
from leeway.customers.selectors import segment_names

register = template.Library()


@register.simple_tag(takes_context=True)
def segment_name(context, customer) -> str:
    """`{% segment_name customer %}`: "Pequeña empresa" for a customer whose segment is small_business."""
    if not customer.segment:
        return ""
    key = ("segment_names", customer.organization_id, get_language())
    names = context.render_context.get(key)
    if names is None:
        names = context.render_context[key] = segment_names(customer.organization_id, get_language())
    return name_for_segment(customer.segment, names)
