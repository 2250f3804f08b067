#!/bin/sh
# Renders one note: its text is the request body, what the Worker read
# from KV, D1 and the note's Durable Object comes in headers. Content-Length is set because workerd
# 1.20260305 does not end a proxied body that is delimited only by the
# connection closing.
text=$(head -c "${CONTENT_LENGTH:-0}")
body="${HTTP_X_TITLE}: ${HTTP_X_NOTE_ID} (${HTTP_X_NOTE_BYTES} bytes, saved ${HTTP_X_NOTE_SAVED})
read ${HTTP_X_READS} times
latest: ${HTTP_X_LATEST}
${text}
"
printf 'Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s' "${#body}" "$body"
