"""Refuse an oversized upload from its Content-Length, before any of it is read."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class SizeLimitUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: a multipart request larger than MAX_UPLOAD_BYTES is
    answered 400 at once, so a 2 GB "CSV" never reaches the disk or the import parser.
    (A reverse proxy's client_max_body_size should say the same, earlier still.)"""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        limit = settings.MAX_UPLOAD_BYTES
        if content_length > limit:
            raise RequestDataTooBig(
                f"The upload is {content_length:,} bytes; the limit is {limit:,} bytes."
            )

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None
