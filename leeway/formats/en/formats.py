"""English date and time formats: Django's, with the time as "5:48 PM".

Django's "5:48 p.m." ends in a full stop, so a sentence that ends with a time ends with two
("… at 5:48 p.m.."); "PM" reads as well in a contact centre and never does that.
"""

TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "N j, Y, g:i A"
SHORT_DATETIME_FORMAT = "m/d/Y g:i A"
