"""Badge images: PNG, JPEG or a safe SVG under 2 MB; an SVG with scripts is refused."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.badges.validators import validate_badge_image

SAFE_SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="5"/></svg>'


def _upload(data: bytes, name="badge.svg"):
    return SimpleUploadedFile(name, data)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 10,
        b"\xff\xd8\xff\xe0" + b"\x00" * 10,
        SAFE_SVG,
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        b'<defs><path id="p" d="M0 0"/></defs><use xlink:href="#p"/></svg>',
    ],
)
def test_images_that_are_accepted(data):
    validate_badge_image(_upload(data))


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "unsafe_svg"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "unsafe_svg"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>', "unsafe_svg"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><text>x</text></a></svg>',
            "unsafe_svg",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>', "unsafe_svg"),
        (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>', "unsafe_svg"),
        (b"<svg><unclosed></svg>", "invalid_image"),
        (b"GIF89a not allowed", "invalid_image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024), "too_large"),
    ],
)
def test_images_that_are_refused(data, code):
    with pytest.raises(ValidationError) as error:
        validate_badge_image(_upload(data))
    assert error.value.code == code
