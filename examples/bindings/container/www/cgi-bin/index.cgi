#!/bin/sh
# Answers every request with the MESSAGE env var the Durable Object passed in.
# Content-Length is set because workerd 1.20260305 does not end a proxied
# body that is delimited only by the connection closing.
body="${MESSAGE:-MESSAGE is not set}
"
printf 'Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s' "${#body}" "$body"
