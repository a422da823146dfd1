# escape=`

FROM mcr.microsoft.com/windows/servercore
COPY testfile.txt c:\
RUN dir c:\
RUN powershell -command Write-Host `
    "continued"
ENV myName="John Doe" myDog=Rex` The` Dog `
    myCat=fluffy
ENV MY_VAR my-value
LABEL "com.example.vendor"="ACME Incorporated"
LABEL com.example.label-with-value="foo"
LABEL version="1.0"
LABEL multi.label1="value1" multi.label2="value2" other="value3"
ADD --chown=55:mygroup files* /somedir/
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://mirrors.edge.kernel.org/pub/linux/kernel/Historical/linux-0.01.tar.gz /
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.10.1 /buildkit
VOLUME ["/data"]
VOLUME /var/log /var/db
USER patrick:staff
WORKDIR /a
WORKDIR b
EXPOSE 80/udp 80/tcp 8000-8010
SHELL ["powershell", "-command"]
HEALTHCHECK NONE
ONBUILD ADD . /app/src
ONBUILD RUN /usr/local/bin/python-build --dir /app/src
MAINTAINER Jane Doe <jane@example.com>
